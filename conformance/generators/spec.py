"""What every category's generator shares: the specification's formulas (R2),
the operation in gather form (R3) and the helpers that spell values as the case
files do. Plain Python integers and floats; nothing from tconv1d."""

from __future__ import annotations

import itertools
import math

INT64_MAX = 2**63 - 1
# Tolerances of R3.5, relative to the largest magnitude of the exact result.
RTOL = {"float64": 1e-12, "float32": 1e-5}
# The false-alarm rate of each statistical check of the initializers: the
# probability that a correct implementation fails that check for a random seed.
ALPHA = 1e-6


# ---------------------------------------------------------------- the spec's formulas (R2)


def full_length(length: int, filter_size: int, stride: int) -> int:
    """R2.1: Lfull = (L - 1)·S + F."""
    return (length - 1) * stride + filter_size


def same_crop(filter_size: int, stride: int) -> tuple[int, int, int]:
    """R2.3: (l, r, extension) of 'same'."""
    total = filter_size - stride
    if total >= 0:
        return total // 2, total - total // 2, 0
    return 0, 0, stride - filter_size


def expected_length(length, filter_size, stride, cropping):
    """The output length, or None where the spec says ValueError (R2.2, R2.3)."""
    if cropping == "same":
        return length * stride
    left, right = (cropping, cropping) if isinstance(cropping, int) else cropping
    out = full_length(length, filter_size, stride) - left - right
    return out if out >= 1 else None


# ---------------------------------------------------------------- the operation (R3), gather form
# Written as "which (i, f) reach output position t" rather than the spec's
# scatter form, so that this script and the runner's oracle (scatter form)
# are two different readings of R3.1.


def crop_of(cropping, filter_size, stride):
    if cropping == "same":
        return same_crop(filter_size, stride)
    if isinstance(cropping, int):
        return cropping, cropping, 0
    return cropping[0], cropping[1], 0


def forward(x, w, b, stride, cropping):
    """x[n][c][i], w[f][k][c], b[k] or None -> y[n][k][t] (R3.1, R2.3)."""
    batch, channels, length = len(x), len(x[0]), len(x[0][0])
    filter_size, num_filters = len(w), len(w[0])
    left, right, extension = crop_of(cropping, filter_size, stride)
    lfull = full_length(length, filter_size, stride)
    out_length = lfull - left - right + extension
    y = []
    for n in range(batch):
        rows = []
        for k in range(num_filters):
            row = []
            for t in range(out_length):
                p = t + left
                total = b[k] if b is not None else 0
                for f in range(filter_size):
                    if p < lfull and (p - f) % stride == 0 and 0 <= (p - f) // stride < length:
                        i = (p - f) // stride
                        for c in range(channels):
                            total += w[f][k][c] * x[n][c][i]
                row.append(total)
            rows.append(row)
        y.append(rows)
    return y


def backward(x, w, dy, stride, cropping):
    """(dx, dW, db) of R3.3, from the same gather form."""
    batch, channels, length = len(x), len(x[0]), len(x[0][0])
    filter_size, num_filters = len(w), len(w[0])
    left, _, _ = crop_of(cropping, filter_size, stride)
    lfull = full_length(length, filter_size, stride)
    out_length = len(dy[0][0])

    def dy_full(n, k, p):  # zero outside the kept window
        t = p - left
        return dy[n][k][t] if 0 <= t < out_length and p < lfull else 0

    dx = [
        [
            [
                sum(w[f][k][c] * dy_full(n, k, i * stride + f) for k in range(num_filters) for f in range(filter_size))
                for i in range(length)
            ]
            for c in range(channels)
        ]
        for n in range(batch)
    ]
    dw = [
        [
            [
                sum(x[n][c][i] * dy_full(n, k, i * stride + f) for n in range(batch) for i in range(length))
                for c in range(channels)
            ]
            for k in range(num_filters)
        ]
        for f in range(filter_size)
    ]
    db = [sum(dy[n][k][t] for n in range(batch) for t in range(out_length)) for k in range(num_filters)]
    return dx, dw, db


def ramp(shape, start=1, step=1):
    """A nested list of distinct integers start, start+step, ... (hand-checkable data)."""
    values = itertools.count(start, step)

    def build(dims):
        if len(dims) == 1:
            return [next(values) for _ in range(dims[0])]
        return [build(dims[1:]) for _ in range(dims[0])]

    return build(list(shape))


def arr(values, dtype="float64"):
    return {"dtype": dtype, "values": values}


def rnd(shape, seed, dtype="float64", distribution="normal"):
    return {"dtype": dtype, "shape": list(shape), "seed": seed, "distribution": distribution}


def json_specials(values):
    """Nested lists with IEEE specials spelled as the case files spell them."""
    if isinstance(values, list):
        return [json_specials(v) for v in values]
    if isinstance(values, float) and math.isnan(values):
        return "NaN"
    if isinstance(values, float) and math.isinf(values):
        return "Infinity" if values > 0 else "-Infinity"
    return values


def shape_of(values):
    shape = []
    while isinstance(values, list):
        shape.append(len(values))
        values = values[0]
    return shape
