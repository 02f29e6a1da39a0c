"""Mutant: he uses variance 2/(numIn + numOut) instead of 2/numIn (R5.2)."""

import math

from ._wrap import Layer, output_length, transposed_conv1d, transposed_conv1d_backward  # noqa: F401

BREAKS, CATEGORY = "R5.2", "initializers"


class HeWrongFanLayer(Layer):
    def _random(self, initializer, size, num_in, num_out, rng):
        if initializer == "he":
            return rng.normal(0, math.sqrt(2 / (num_in + num_out)), size)
        return super()._random(initializer, size, num_in, num_out, rng)


def transposed_conv1d_layer(filter_size, num_filters, **options):
    return HeWrongFanLayer(filter_size, num_filters, **options)
