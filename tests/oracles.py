"""Oracles the tests check tconv1d against. They share no code with the package:
the operation is written here again, literally from SPEC R3, in float64 NumPy.
"""

from __future__ import annotations

import numpy as np


def full_length(length: int, filter_size: int, stride: int) -> int:
    return (length - 1) * stride + filter_size


def resolve_crop(length: int, filter_size: int, stride: int, cropping):
    """(left, right, extension) per R2.2/R2.3, written from the spec text."""
    if isinstance(cropping, str):
        total = filter_size - stride
        if total >= 0:
            return total // 2, total - total // 2, 0
        return 0, 0, stride - filter_size
    if np.ndim(cropping) == 0:
        return int(cropping), int(cropping), 0
    left, right = cropping
    return int(left), int(right), 0


def forward(x, w, b, stride, cropping):
    """R3.1 in scatter form on (N, C, L) data: yfull[n,k,i*S+f] += W[f,k,c] x[n,c,i]."""
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    n_batch, _channels, length = x.shape
    filter_size, num_filters, _ = w.shape
    lfull = full_length(length, filter_size, stride)
    left, right, extension = resolve_crop(length, filter_size, stride, cropping)
    yfull = np.zeros((n_batch, num_filters, lfull + extension))
    for f in range(filter_size):
        # (N, C, L) x (K, C) -> (N, K, L), scattered to positions i*S + f
        contribution = np.einsum("ncl,kc->nkl", x, w[f])
        yfull[:, :, f : f + (length - 1) * stride + 1 : stride] += contribution
    if b is not None:
        yfull += np.asarray(b, dtype=np.float64).reshape(1, num_filters, 1)
    return yfull[:, :, left : lfull + extension - right]


def backward(x, w, dy, stride, cropping):
    """R3.3 on (N, C, L) data: (dx, dW, db), with dy re-padded to the full length."""
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    dy = np.asarray(dy, dtype=np.float64)
    n_batch, _channels, length = x.shape
    filter_size, num_filters, _ = w.shape
    lfull = full_length(length, filter_size, stride)
    left, right, extension = resolve_crop(length, filter_size, stride, cropping)
    dyfull = np.zeros((n_batch, num_filters, lfull + extension))
    dyfull[:, :, left : lfull + extension - right] = dy
    dx = np.zeros_like(x)
    dw = np.zeros_like(w)
    for f in range(filter_size):
        window = dyfull[:, :, f : f + (length - 1) * stride + 1 : stride]  # (N, K, L)
        dx += np.einsum("nkl,kc->ncl", window, w[f])
        dw[f] = np.einsum("nkl,ncl->kc", window, x)
    db = dy.sum(axis=(0, 2))
    return dx, dw, db


def relative_error(got, want, scale=None) -> float:
    """‖got − want‖ / ‖scale‖ (scale defaults to want; 1 when that norm is 0)."""
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    scale = np.linalg.norm(np.asarray(want if scale is None else scale, dtype=np.float64).ravel())
    return float(np.linalg.norm((got - want).ravel()) / (scale if scale > 0 else 1.0))


TOLERANCE = {np.dtype(np.float32): 1e-5, np.dtype(np.float64): 1e-12}


def kept_window(length: int, filter_size: int, stride: int, cropping):
    """(left, out_length, full_length) in exact integers: the output is full positions [left, left + out_length)."""
    left, right, extension = resolve_crop(length, filter_size, stride, cropping)
    lfull = full_length(length, filter_size, stride)
    return left, lfull + extension - left - right, lfull


def forward_gather(x, w, b, stride, cropping):
    """R3.1 output by output, for any stride: output t gathers W[f] x[:, :, i] over
    i*S + f = t + l. Python integers throughout, so strides near 2^63 are fine;
    the cost is (output length) x F, not the full length."""
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    n_batch, _, length = x.shape
    filter_size, num_filters, _ = w.shape
    left, out_length, lfull = kept_window(length, filter_size, stride, cropping)
    y = np.zeros((n_batch, num_filters, out_length))
    for t in range(out_length):
        j = t + left
        for f in range(filter_size):
            if j < lfull and (j - f) % stride == 0 and 0 <= (j - f) // stride < length:
                y[:, :, t] += np.einsum("nc,kc->nk", x[:, :, (j - f) // stride], w[f])
    if b is not None:
        y += np.asarray(b, dtype=np.float64).reshape(1, num_filters, 1)
    return y


def backward_gather(x, w, dy, stride, cropping):
    """R3.3 for any stride: each (i, f) meets dy at t = i*S + f - l when that is kept."""
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    dy = np.asarray(dy, dtype=np.float64)
    length = x.shape[2]
    filter_size = w.shape[0]
    left, out_length, _ = kept_window(length, filter_size, stride, cropping)
    dx = np.zeros_like(x)
    dw = np.zeros_like(w)
    for i in range(length):
        for f in range(filter_size):
            t = i * stride + f - left
            if 0 <= t < out_length:
                dx[:, :, i] += np.einsum("nk,kc->nc", dy[:, :, t], w[f])
                dw[f] += np.einsum("nk,nc->kc", dy[:, :, t], x[:, :, i])
    return dx, dw, dy.sum(axis=(0, 2))


def layout(fmt: str):
    """(batch axes, channel axis, upsampled axis) of a format string, from SPEC R4.1."""
    labels = fmt.upper()
    spatial = labels.index("S") if "S" in labels else labels.index("T")
    channel = labels.index("C")
    return [i for i in range(len(labels)) if i not in (spatial, channel)], channel, spatial


def to_ncl(array, fmt: str):
    """The (N, C, L) array of data in ``fmt`` (its batch axes flattened into N)."""
    batch, channel, spatial = layout(fmt)
    moved = np.transpose(np.asarray(array), [*batch, channel, spatial])
    return moved.reshape((-1, *moved.shape[len(batch) :]))


def from_ncl(array, fmt: str, like_shape):
    """(N, C, L) back into ``fmt``'s axis order, batch sizes taken from ``like_shape``."""
    batch, channel, spatial = layout(fmt)
    shaped = np.asarray(array).reshape([like_shape[i] for i in batch] + list(np.shape(array)[1:]))
    return np.transpose(shaped, np.argsort([*batch, channel, spatial]))
