"""Mutant: with both S and T present (SCBT), the T axis is upsampled instead of S (R4.1)."""

from ._wrap import output_length, tconv1d, transposed_conv1d_layer  # noqa: F401

BREAKS, CATEGORY = "R4.1", "formats"


def _swap(fmt):
    if "S" in fmt.upper() and "T" in fmt.upper():
        return fmt.upper().replace("S", "#").replace("T", "S").replace("#", "T")
    return fmt


def transposed_conv1d(x, weights, bias=None, stride=1, cropping=0, fmt="BCT"):
    return tconv1d.transposed_conv1d(x, weights, bias, stride, cropping, _swap(fmt))


def transposed_conv1d_backward(x, weights, dy, stride=1, cropping=0, fmt="BCT"):
    return tconv1d.transposed_conv1d_backward(x, weights, dy, stride, cropping, _swap(fmt))
