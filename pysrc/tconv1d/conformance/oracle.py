"""The conformance runner's own oracle: the operation of SPEC R3 as loops over
filters and taps on NumPy arrays, written from the spec's formulas.

It shares no code with the implementation under test (it does not import
tconv1d's kernels, geometry or format handling), so a mistake there cannot hide
in here too. It is meant for the small shapes of the conformance cases. All
arithmetic is float64 (an "exact evaluation" for the tolerances of R3.5),
whatever the dtype of the data.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Union

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]
#: A Cropping as the cases give it: n, [l, r] or "same".
CroppingValue = Union[int, str, Sequence[int]]


def same_crop(filter_size: int, stride: int) -> tuple[int, int, int]:
    """R2.3: (crop_left, crop_right, extension) of Cropping 'same'."""
    total = filter_size - stride
    if total >= 0:
        left = total // 2
        return left, total - left, 0
    return 0, 0, stride - filter_size


def crop_amounts(cropping: CroppingValue, filter_size: int, stride: int) -> tuple[int, int, int]:
    """(crop_left, crop_right, extension) of a Cropping value: n, [l, r] or 'same'."""
    if isinstance(cropping, str):
        if cropping.lower() != "same":
            raise ValueError(f"unknown cropping {cropping!r}")
        return same_crop(filter_size, stride)
    if isinstance(cropping, Sequence):
        left, right = cropping[0], cropping[1]
        return int(left), int(right), 0
    return int(cropping), int(cropping), 0


def forward(
    x: npt.ArrayLike, weights: npt.ArrayLike, bias: npt.ArrayLike | None, stride: int, cropping: CroppingValue
) -> Floats:
    """R3.1 for x of shape (N, C, L), weights (F, K, C), bias (K,) or None -> (N, K, Lout)."""
    data: Floats = np.asarray(x, dtype=np.float64)
    w: Floats = np.asarray(weights, dtype=np.float64)
    batch, _channels, length = data.shape
    filter_size, num_filters, _ = w.shape
    left, right, extension = crop_amounts(cropping, filter_size, stride)
    full_length = (length - 1) * stride + filter_size
    full: Floats = np.zeros((batch, num_filters, full_length + extension))
    # The formula as written, looping over (k, f): the positions i*S + f of every i
    # take the sum over c of W[f, k, c] * x[:, c, i], all i at once (a strided slice).
    last = (length - 1) * stride + 1
    for k in range(num_filters):
        for f in range(filter_size):
            full[:, k, f : f + last : stride] += np.einsum("c,ncl->nl", w[f, k, :], data)
    if bias is not None:
        full += np.asarray(bias, dtype=np.float64).reshape(1, num_filters, 1)
    return full[:, :, left : full_length + extension - right]


def backward(
    x: npt.ArrayLike, weights: npt.ArrayLike, dy: npt.ArrayLike, stride: int, cropping: CroppingValue
) -> tuple[Floats, Floats, Floats]:
    """R3.3: (dx, dW, db) for x (N, C, L), weights (F, K, C), dy (N, K, Lout)."""
    data: Floats = np.asarray(x, dtype=np.float64)
    w: Floats = np.asarray(weights, dtype=np.float64)
    grad: Floats = np.asarray(dy, dtype=np.float64)
    batch, _channels, length = data.shape
    filter_size, num_filters, _ = w.shape
    left, _right, _extension = crop_amounts(cropping, filter_size, stride)
    full_length = (length - 1) * stride + filter_size
    # dy re-padded to the full (uncropped) length; the bias-only extension of
    # 'same' (positions >= full_length) reaches no weight, only the bias.
    dy_full = np.zeros((batch, num_filters, full_length))
    kept = min(grad.shape[2], full_length - left)
    dy_full[:, :, left : left + kept] = grad[:, :, :kept]
    dx = np.zeros_like(data)
    dw = np.zeros_like(w)
    last = (length - 1) * stride + 1
    for k in range(num_filters):
        for f in range(filter_size):
            reached = dy_full[:, k, f : f + last : stride]  # dy_full[:, k, i*S + f] for every i
            dx += w[f, k, :][None, :, None] * reached[:, None, :]
            dw[f, k, :] = np.einsum("ncl,nl->c", data, reached)
    db: Floats = grad.sum(axis=(0, 2))
    return dx, dw, db


# ---------------------------------------------------------------- formats (R4)


def layout(fmt: str) -> tuple[int, int, list[int]]:
    """(channel_axis, upsampled_axis, batch_axes) of a supported format string."""
    labels = fmt.upper()
    spatial = labels.index("S") if "S" in labels else labels.index("T")
    channel = labels.index("C")
    batch = [i for i in range(len(labels)) if i not in (spatial, channel)]
    return channel, spatial, batch


def to_ncl(array: npt.NDArray[Any], fmt: str) -> npt.NDArray[Any]:
    """The (N, C, L) array of data laid out in ``fmt`` (batch axes flattened into N)."""
    channel, spatial, batch = layout(fmt)
    moved = np.transpose(array, [*batch, channel, spatial])
    return moved.reshape((-1, *moved.shape[len(batch) :]))


def from_ncl(array: npt.NDArray[Any], fmt: str, like_shape: Sequence[int]) -> npt.NDArray[Any]:
    """Inverse of to_ncl: (N, C, L) back to ``fmt``'s axis order; batch sizes from like_shape."""
    channel, spatial, batch = layout(fmt)
    batch_sizes = [like_shape[i] for i in batch]
    shaped = array.reshape(batch_sizes + list(array.shape[1:]))
    order = [*batch, channel, spatial]
    return np.transpose(shaped, tuple(int(axis) for axis in np.argsort(order)))


def forward_fmt(
    x: npt.ArrayLike,
    weights: npt.ArrayLike,
    bias: npt.ArrayLike | None,
    stride: int,
    cropping: CroppingValue,
    fmt: str,
) -> npt.NDArray[Any]:
    data = np.asarray(x)
    return from_ncl(forward(to_ncl(data, fmt), weights, bias, stride, cropping), fmt, data.shape)


def backward_fmt(
    x: npt.ArrayLike, weights: npt.ArrayLike, dy: npt.ArrayLike, stride: int, cropping: CroppingValue, fmt: str
) -> tuple[npt.NDArray[Any], Floats, Floats]:
    data = np.asarray(x)
    dx, dw, db = backward(to_ncl(data, fmt), weights, to_ncl(np.asarray(dy), fmt), stride, cropping)
    return from_ncl(dx, fmt, data.shape), dw, db
