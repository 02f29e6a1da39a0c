"""Mutant: the filter is flipped (a true convolution), which R3.1 excludes ("no filter flip")."""

import numpy as np

from ._wrap import output_length, tconv1d, transposed_conv1d_layer  # noqa: F401

BREAKS, CATEGORY = "R3.1", "numerics"


def transposed_conv1d(x, weights, bias=None, stride=1, cropping=0, fmt="BCT"):
    return tconv1d.transposed_conv1d(x, np.asarray(weights)[::-1], bias, stride, cropping, fmt)


def transposed_conv1d_backward(x, weights, dy, stride=1, cropping=0, fmt="BCT"):
    dx, dw, db = tconv1d.transposed_conv1d_backward(x, np.asarray(weights)[::-1], dy, stride, cropping, fmt)
    return dx, dw[::-1], db
