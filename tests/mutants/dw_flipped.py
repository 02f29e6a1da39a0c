"""Mutant: dW with its filter axis reversed (the correlation taken the wrong way round), R3.3."""

from ._wrap import output_length, tconv1d, transposed_conv1d, transposed_conv1d_layer  # noqa: F401

BREAKS, CATEGORY = "R3.3", "gradients"


def transposed_conv1d_backward(x, weights, dy, stride=1, cropping=0, fmt="BCT"):
    dx, dw, db = tconv1d.transposed_conv1d_backward(x, weights, dy, stride, cropping, fmt)
    return dx, dw[::-1].copy(), db
