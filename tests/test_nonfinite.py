"""Inf and NaN (R3.6) meet the zero padding: every pass gives what IEEE
arithmetic gives on the spec's own terms. Forward has only the products
W * x (R3.1); the backward passes sum over the zero-re-padded dy (R3.3), so a
non-finite weight (dx) or input (dW) meeting a cropped position gives NaN.
Checked against oracles.py, which evaluates those sums literally, and against
PyTorch where it is installed; shapes reach the packed kernels as well as the
small-shape path, and the values are put at the edges, where the padding is."""

from __future__ import annotations

import numpy as np
import oracles
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import tconv1d

SPECIALS = [np.inf, -np.inf, np.nan]


def same_classes(got, want) -> bool:
    return all(np.array_equal(test(got), test(want)) for test in (np.isnan, np.isposinf, np.isneginf))


def assert_matches(got, want, magnitude, dtype):
    """Same Inf/NaN classes, and the finite entries within R3.5 relative to the norm of
    the same sums over the terms' magnitudes: where a sum cancels (a bias gradient of one
    filter summing ~1800 dy of size 1 to 0.005), no summation order is closer to it than
    the rounding of its terms, which the norm of the result alone does not bound."""
    assert same_classes(got, want)
    finite = np.isfinite(want)
    error = np.linalg.norm((got[finite] - want[finite]).astype(np.float64))
    scale = np.linalg.norm(magnitude[finite].astype(np.float64))
    assert error <= oracles.TOLERANCE[np.dtype(dtype)] * max(scale, np.finfo(np.float64).tiny)


def inject(rng, array, count):
    """Put `count` non-finite values into `array`, half of them on the last axis's ends."""
    for _ in range(count):
        index = [int(rng.integers(0, n)) for n in array.shape]
        if rng.random() < 0.5:
            index[-1] = 0 if rng.random() < 0.5 else array.shape[-1] - 1
        array[tuple(index)] = SPECIALS[int(rng.integers(0, 3))]


def draw_case(rng, dtype, big):
    batch = int(rng.integers(1, 4))
    channels, filters = (
        (int(rng.integers(1, 40)), int(rng.integers(1, 40)))
        if big
        else (int(rng.integers(1, 5)), int(rng.integers(1, 5)))
    )
    filter_size, stride = int(rng.integers(1, 17)), int(rng.integers(1, 9))
    length = int(rng.integers(1, 96 if big else 10))
    room = (length - 1) * stride + filter_size - 1
    if rng.random() < 0.3:
        cropping = "same"
    else:
        left = int(rng.integers(0, room // 2 + 1))
        cropping = [left, int(rng.integers(0, (room - left) // 2 + 1))]
    x = rng.standard_normal((batch, channels, length)).astype(dtype)
    w = rng.standard_normal((filter_size, filters, channels)).astype(dtype)
    return x, w, stride, cropping


@settings(max_examples=80, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    dtype=st.sampled_from([np.float32, np.float64]),
    big=st.booleans(),
    target=st.sampled_from(["x", "weights", "dy", "all"]),
)
# A bias gradient of one filter that cancels to 0.005 from 1776 dy values (R3.5's
# cancellation clause: 2.7e-12 relative to itself, 1e-17 to its terms' magnitudes).
@example(seed=58513, dtype=np.float64, big=True, target="x")
def test_every_pass_matches_the_literal_sums(seed, dtype, big, target):
    rng = np.random.default_rng(seed)
    x, w, stride, cropping = draw_case(rng, dtype, big)
    if target in ("x", "all"):
        inject(rng, x, int(rng.integers(1, 3)))
    if target in ("weights", "all"):
        # The filter taps are the first axis: an end there is the first or last tap.
        inject(rng, np.moveaxis(w, 0, -1), int(rng.integers(1, 3)))
    y = tconv1d.transposed_conv1d(x, w, None, stride=stride, cropping=cropping)
    dy = rng.standard_normal(y.shape).astype(dtype)
    if target in ("dy", "all"):
        inject(rng, dy, int(rng.integers(1, 3)))
    dx, dw, db = tconv1d.transposed_conv1d_backward(x, w, dy, stride=stride, cropping=cropping)
    with np.errstate(invalid="ignore", over="ignore"):
        want_y = oracles.forward(x, w, None, stride, cropping)
        want_dx, want_dw, want_db = oracles.backward(x, w, dy, stride, cropping)
        size_y = oracles.forward(np.abs(x), np.abs(w), None, stride, cropping)
        size_dx, size_dw, size_db = oracles.backward(np.abs(x), np.abs(w), np.abs(dy), stride, cropping)
    assert_matches(y, want_y, size_y, dtype)
    assert_matches(dx, want_dx, size_dx, dtype)
    assert_matches(dw, want_dw, size_dw, dtype)
    assert_matches(db, want_db, size_db, dtype)


def test_an_inf_weight_times_the_padding_is_nan_in_dx_only():
    # F = 3, S = 1, cropping [1 1]: dx[0] meets dy_full[0] = 0 through tap 0.
    x = np.arange(1.0, 41.0).reshape(1, 1, 40)
    w = np.array([np.inf, 1.0, 2.0]).reshape(3, 1, 1)
    y = tconv1d.transposed_conv1d(x, w, None, cropping=[1, 1])
    # Every output but the last has a product with the Inf tap; the last one's
    # would need x[40], which does not exist, so it is 1*40 + 2*39.
    assert np.isposinf(y[0, 0, :-1]).all() and y[0, 0, -1] == 118
    dy = np.ones_like(y)
    dx, dw, _ = tconv1d.transposed_conv1d_backward(x, w, dy, cropping=[1, 1])
    assert np.isnan(dx[0, 0, 0]) and np.isposinf(dx[0, 0, 1:]).all()
    assert np.isfinite(dw).all()


def test_agrees_with_pytorch_float64():
    # PyTorch's float64 CPU path evaluates the sums term by term. Its float32
    # path (oneDNN) does not: it both adds and skips products with padding, so
    # its NaN positions are no oracle (seen with torch 2.13).
    torch = pytest.importorskip("torch")
    dtype = np.float64
    rng = np.random.default_rng(31)
    for _ in range(60):
        x, w, stride, _ = draw_case(rng, dtype, big=bool(rng.integers(0, 2)))
        full = (x.shape[2] - 1) * stride + w.shape[0]
        padding = int(rng.integers(0, (full - 1) // 2 + 1))  # PyTorch crops symmetrically
        inject(rng, x, 1)
        inject(rng, np.moveaxis(w, 0, -1), 1)
        xt = torch.from_numpy(x).requires_grad_()
        wt = torch.from_numpy(np.ascontiguousarray(w.transpose(2, 1, 0))).requires_grad_()
        out = torch.nn.functional.conv_transpose1d(xt, wt, stride=stride, padding=padding)
        dy = rng.standard_normal(out.shape).astype(dtype)
        inject(rng, dy, 1)
        out.backward(torch.from_numpy(dy))
        y = tconv1d.transposed_conv1d(x, w, None, stride=stride, cropping=padding)
        dx, dw, _ = tconv1d.transposed_conv1d_backward(x, w, dy, stride=stride, cropping=padding)
        assert same_classes(y, out.detach().numpy())
        assert same_classes(dx, xt.grad.numpy())
        assert same_classes(dw, wt.grad.numpy().transpose(2, 1, 0))
