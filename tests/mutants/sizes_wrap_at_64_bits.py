"""Mutant: integer arguments are taken modulo 2^64, as an unchecked conversion to
an unsigned 64-bit integer would (R2.5: a size that does not fit is an error)."""

from ._wrap import tconv1d, transposed_conv1d, transposed_conv1d_backward, transposed_conv1d_layer  # noqa: F401

BREAKS, CATEGORY = "R2.5", "output_size"


def _wrap(value):
    return value % 2**64 if isinstance(value, int) and not isinstance(value, bool) else value


def output_length(length, filter_size, stride=1, cropping=0):
    length, filter_size, stride = _wrap(length), _wrap(filter_size), _wrap(stride)
    cropping = [_wrap(c) for c in cropping] if isinstance(cropping, (list, tuple)) else _wrap(cropping)
    try:
        return tconv1d.output_length(length, filter_size, stride, cropping)
    except OverflowError:
        # a sum that does not fit wraps too, into a small positive length
        return 1
