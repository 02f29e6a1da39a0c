"""Mutant: the output length one too long whenever S > 1 with a manual crop (R2.2)."""

from ._wrap import tconv1d, transposed_conv1d, transposed_conv1d_backward, transposed_conv1d_layer  # noqa: F401

BREAKS, CATEGORY = "R2.2", "output_size"


def output_length(length, filter_size, stride=1, cropping=0):
    result = tconv1d.output_length(length, filter_size, stride, cropping)
    same = isinstance(cropping, str)
    return result + 1 if (not same and int(stride) > 1) else result
