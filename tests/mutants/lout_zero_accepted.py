"""Mutant: an off-by-one validity check, Lout = 0 returned instead of the ValueError of R2.2."""

from ._wrap import tconv1d, transposed_conv1d, transposed_conv1d_backward, transposed_conv1d_layer  # noqa: F401

BREAKS, CATEGORY = "R2.2", "output_size"


def output_length(length, filter_size, stride=1, cropping=0):
    if not isinstance(cropping, str):
        left, right = (cropping, cropping) if not isinstance(cropping, (list, tuple)) else cropping
        if isinstance(left, int) and isinstance(right, int) and left >= 0 and right >= 0:
            full = tconv1d.output_length(length, filter_size, stride, 0)
            if full - left - right == 0:
                return 0
    return tconv1d.output_length(length, filter_size, stride, cropping)
