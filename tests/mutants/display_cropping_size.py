"""Mutant: the display shows CroppingSize as "[0,0]" instead of the vendor's "[0 0]" (R1.4)."""

from ._wrap import Layer, output_length, transposed_conv1d, transposed_conv1d_backward  # noqa: F401

BREAKS, CATEGORY = "R1.4", "properties"


class DisplayLayer(Layer):
    def __str__(self):
        return super().__str__().replace("CroppingSize: [0 0]", "CroppingSize: [0,0]")


def transposed_conv1d_layer(filter_size, num_filters, **options):
    return DisplayLayer(filter_size, num_filters, **options)
