"""Mutant: NumFilters can be changed after construction (R1: read-only)."""

from ._wrap import Layer, output_length, transposed_conv1d, transposed_conv1d_backward  # noqa: F401

BREAKS, CATEGORY = "R1", "properties"


class WritableLayer(Layer):
    num_filters = property(lambda self: self._num_filters, lambda self, v: setattr(self, "_num_filters", v))


def transposed_conv1d_layer(filter_size, num_filters, **options):
    return WritableLayer(filter_size, num_filters, **options)
