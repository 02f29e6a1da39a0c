"""Mutant: db sums dy over the cropped window only, forgetting the bias-only extension (R3.3)."""

import numpy as np

from ._wrap import output_length, spatial_axis, tconv1d, transposed_conv1d, transposed_conv1d_layer  # noqa: F401

BREAKS, CATEGORY = "R3.3", "gradients"


def transposed_conv1d_backward(x, weights, dy, stride=1, cropping=0, fmt="BCT"):
    dx, dw, db = tconv1d.transposed_conv1d_backward(x, weights, dy, stride, cropping, fmt)
    extension = int(stride) - len(weights)
    if isinstance(cropping, str) and extension > 0:
        tail = np.moveaxis(np.asarray(dy), spatial_axis(fmt), -1)[..., -extension:]
        channel = fmt.upper().replace("S" if "S" in fmt.upper() else "T", "").index("C")
        other = (*tuple(i for i in range(tail.ndim - 1) if i != channel), tail.ndim - 1)
        db = db - tail.sum(axis=other)
    return dx, dw, db
