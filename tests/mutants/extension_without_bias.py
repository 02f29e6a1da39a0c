"""Mutant: the bias-only extension of 'same' when F < S holds zeros, not the bias (R2.3)."""

import numpy as np

from ._wrap import output_length, spatial_axis, tconv1d, transposed_conv1d_backward, transposed_conv1d_layer  # noqa: F401

BREAKS, CATEGORY = "R2.3", "cropping"


def transposed_conv1d(x, weights, bias=None, stride=1, cropping=0, fmt="BCT"):
    y = tconv1d.transposed_conv1d(x, weights, bias, stride, cropping, fmt)
    extension = int(stride) - len(weights)
    if isinstance(cropping, str) and extension > 0:
        view = np.moveaxis(y, spatial_axis(fmt), -1)
        view[..., view.shape[-1] - extension :] = 0
    return y
