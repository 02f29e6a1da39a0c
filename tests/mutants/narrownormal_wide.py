"""Mutant: narrownormal with standard deviation 0.1 instead of 0.01 (R5.3)."""

from ._wrap import Layer, output_length, transposed_conv1d, transposed_conv1d_backward  # noqa: F401

BREAKS, CATEGORY = "R5.3", "initializers"


class WideLayer(Layer):
    def _random(self, initializer, size, num_in, num_out, rng):
        if initializer == "narrownormal":
            return rng.normal(0, 0.1, size)
        return super()._random(initializer, size, num_in, num_out, rng)


def transposed_conv1d_layer(filter_size, num_filters, **options):
    return WideLayer(filter_size, num_filters, **options)
