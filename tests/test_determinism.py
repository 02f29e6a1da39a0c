"""Results do not depend on the thread count: set_num_threads(1) and (2) give
bitwise identical outputs for all four passes, float32 and float64 (issue 4);
nor on the layout of the input and of dy (R8.5)."""

from __future__ import annotations

import numpy as np
import pytest

import tconv1d

# (batch, channels, filters, filter_size, stride, length, cropping): large enough
# that the fast kernels take them and split the work across threads.
SHAPES = [
    (4, 64, 48, 16, 8, 40, [4, 4]),
    (3, 32, 40, 11, 4, 70, "same"),
    (2, 96, 64, 3, 1, 130, [1, 1]),
    (5, 20, 9, 2, 5, 33, "same"),  # F < S: bias-only extension
    # One item: backward-weights' groups fit a slice per thread only halved.
    (1, 32, 128, 7, 1, 256, [1, 1]),
    # One long item at stride 1 with few filters: where it runs split in
    # three, cut into parts at two threads, each split whole by one thread.
    (1, 48, 40, 7, 1, 777, [5, 2]),
    # One position: the tap-wise forward as one GEMM into y (its item blocks
    # and column blocks shared out), where that strategy runs.
    (64, 48, 40, 8, 4, 1, "same"),
]


def draw(shape, dtype, seed):
    """x, weights, bias and dy of `shape` (SHAPES' tuples), standard normal."""
    batch, channels, filters, filter_size, stride, length, cropping = shape
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, channels, length)).astype(dtype)
    w = rng.standard_normal((filter_size, filters, channels)).astype(dtype)
    b = rng.standard_normal(filters).astype(dtype)
    out_len = tconv1d.output_length(length, filter_size, stride, cropping)
    dy = rng.standard_normal((batch, filters, out_len)).astype(dtype)
    return x, w, b, dy


@pytest.fixture
def restore_threads():
    yield
    tconv1d.set_num_threads(0)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s[:6])))
def test_one_and_two_threads_bitwise_identical(shape, dtype, restore_threads):
    stride, cropping = shape[4], shape[6]
    x, w, b, dy = draw(shape, dtype, seed=7)

    results = []
    for threads in (1, 2):
        tconv1d.set_num_threads(threads)
        assert tconv1d.get_num_threads() == threads
        y = tconv1d.transposed_conv1d(x, w, b, stride=stride, cropping=cropping, fmt="BCT")
        dx, dw, db = tconv1d.transposed_conv1d_backward(x, w, dy, stride=stride, cropping=cropping, fmt="BCT")
        results.append((y, dx, dw, db))
    for name, one, two in zip(("y", "dx", "dw", "db"), *results):
        assert one.dtype == np.dtype(dtype)
        assert one.tobytes() == two.tobytes(), f"{name} differs between 1 and 2 threads"


# Nor on the input's layout (SPEC R7.2, R8.5): the same values in any strides
# give their contiguous copy's bits, every pass. The shapes take the paths
# whose reading of the input depends on its strides.
LAYOUT_SHAPES = [
    # Forward, tap-wise: chunks read slab by slab (inputs beyond L2, a few
    # rows of taps); copied over strided inputs, where they were packed.
    (8, 128, 1, 4, 1, 4096, 0),
    # Rows 64 KiB apart: slabs copied (and charged) even when contiguous.
    (1, 256, 1, 16, 1, 16384, "same"),
    # Weights beyond L2 over short items: tap-wise tasks of whole items (two
    # to a task in float32), whose items are copied over strided inputs
    # (block by block they summed an output at a block's edge in another order).
    (3, 256, 80, 16, 1, 200, "same"),
    # Backward-weights: the dot products (strided rows once charged a copy)
    # and gathers of dy S positions apart (once charged by dy's strides).
    (8, 64, 2, 3, 2, 40, 0),
    (2, 16, 1, 8, 7, 2048, 0),
    (1, 16, 64, 3, 2, 2048, 0),
]

LAYOUTS = {
    "sliced": lambda a: np.pad(a, ((0, 0), (0, 0), (0, 16)))[:, :, : a.shape[2]],
    "stepped": lambda a: np.repeat(a, 2, axis=2)[:, :, ::2],
    "reversed": lambda a: np.ascontiguousarray(a[:, :, ::-1])[:, :, ::-1],
    "channels last": lambda a: np.ascontiguousarray(a.transpose(0, 2, 1)).transpose(0, 2, 1),
}


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", LAYOUT_SHAPES, ids=lambda s: "x".join(map(str, s[:6])))
def test_every_layout_gives_the_contiguous_copys_bits(shape, dtype, layout):
    stride, cropping = shape[4], shape[6]
    x, w, _, dy = draw(shape, dtype, seed=11)
    x_laid, dy_laid = LAYOUTS[layout](x), LAYOUTS[layout](dy)
    assert not x_laid.flags.c_contiguous and np.array_equal(x_laid, x) and np.array_equal(dy_laid, dy)

    want = tconv1d.transposed_conv1d(x, w, stride=stride, cropping=cropping)
    got = tconv1d.transposed_conv1d(x_laid, w, stride=stride, cropping=cropping)
    assert got.tobytes() == want.tobytes(), f"y differs for a {layout} input"
    want = tconv1d.transposed_conv1d_backward(x, w, dy, stride=stride, cropping=cropping)
    got = tconv1d.transposed_conv1d_backward(x_laid, w, dy_laid, stride=stride, cropping=cropping)
    for name, g, r in zip(("dx", "dw", "db"), got, want):
        assert g.tobytes() == r.tobytes(), f"{name} differs for {layout} x and dy"
