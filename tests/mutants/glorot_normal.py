"""Mutant: glorot draws from a NORMAL of the right variance, not the documented uniform (R5.1)."""

import math

from ._wrap import Layer, output_length, transposed_conv1d, transposed_conv1d_backward  # noqa: F401

BREAKS, CATEGORY = "R5.1", "initializers"


class GlorotNormalLayer(Layer):
    def _random(self, initializer, size, num_in, num_out, rng):
        if initializer == "glorot":
            return rng.normal(0, math.sqrt(2 / (num_in + num_out)), size)
        return super()._random(initializer, size, num_in, num_out, rng)


def transposed_conv1d_layer(filter_size, num_filters, **options):
    return GlorotNormalLayer(filter_size, num_filters, **options)
