"""Mutant: the forward pass scribbles on its input (R7.1: never modifies its inputs)."""

import numpy as np

from ._wrap import output_length, tconv1d, transposed_conv1d_backward, transposed_conv1d_layer  # noqa: F401

BREAKS, CATEGORY = "R7.1", "numerics"


def transposed_conv1d(x, weights, bias=None, stride=1, cropping=0, fmt="BCT"):
    y = tconv1d.transposed_conv1d(x, weights, bias, stride, cropping, fmt)
    if isinstance(x, np.ndarray) and x.flags.writeable and x.size:
        x.flat[0] = 42.0  # result already computed: only the caller's data is damaged
    return y
