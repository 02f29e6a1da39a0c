"""Sizes at the edge (SPEC R2.5, R7.3, R8.3): strides and crops near 2^63, outputs
that cannot exist, and the workspace a call may take. Every call that once
crashed or hung runs in its own interpreter (tests/isolated.py)."""

from __future__ import annotations

import os

import numpy as np
import oracles
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from isolated import run_isolated

import tconv1d

# Backward with a huge stride cropped to a small output: these killed the
# interpreter (SIGFPE, SIGSEGV in the dy packing) or hung, from unchecked 64-bit
# arithmetic and loops that ran `stride` times.
HUGE_STRIDE_BACKWARD = [
    ("sigfpe", 2**61, (1, 8, 2), (1, 1, 8), [2**61, 0]),
    ("sigsegv", 2**59, (13, 66, 2), (13, 63, 66), [2**59, 0]),
    ("hang", 2**61 + 1, (1, 8, 2), (1, 1, 8), [2**61 + 1, 0]),
    ("largest-stride", 2**63 - 1, (2, 3, 1), (5, 4, 3), [2, 1]),
    ("crop-right", 2**62, (2, 3, 2), (4, 2, 3), [1, 2**62]),
    ("filter-longer", 2**40, (2, 5, 3), (7, 3, 5), [2**40 + 3, 2**40 - 2]),
    # Every kept output lies between two inputs' taps (bias only), with enough
    # channels for the packed kernels: once a division by zero there.
    ("gap-only", 2**50, (4, 64, 3), (3, 64, 64), [5, 2 * 2**50 + 3 - 45]),
]


@pytest.mark.parametrize(
    ("case_id", "stride", "x_shape", "w_shape", "cropping"),
    HUGE_STRIDE_BACKWARD,
    ids=[c[0] for c in HUGE_STRIDE_BACKWARD],
)
def test_huge_stride_cropped_to_a_small_output(case_id, stride, x_shape, w_shape, cropping):
    out = run_isolated(f"""
        rng = np.random.default_rng(0)
        S, crop = {stride}, {cropping}
        for dtype in (np.float64, np.float32):
            x = rng.standard_normal({x_shape}).astype(dtype)
            w = rng.standard_normal({w_shape}).astype(dtype)
            b = rng.standard_normal({w_shape[1]}).astype(dtype)
            y = tconv1d.transposed_conv1d(x, w, b, stride=S, cropping=crop)
            want_y = oracles.forward_gather(x, w, b, S, crop)
            assert y.shape == want_y.shape, (y.shape, want_y.shape)
            dy = rng.standard_normal(y.shape).astype(dtype)
            got = tconv1d.transposed_conv1d_backward(x, w, dy, stride=S, cropping=crop)
            want = oracles.backward_gather(x, w, dy, S, crop)
            tol = oracles.TOLERANCE[np.dtype(dtype)]
            for g, e in zip((y, *got), (want_y, *want)):
                assert oracles.relative_error(g, e) < tol, oracles.relative_error(g, e)
        print("OK")
    """)
    assert out.strip().endswith("OK")


@pytest.mark.parametrize("stride", [10**8, 10**9, 2**62, 2**63 - 1])
def test_stride_beyond_the_filter_costs_nothing(stride):
    # One input, one output: memory must not grow with the stride (it took
    # 1.55 GB at S = 1e8 and raised a bare std::bad_alloc from 1e9 on).
    out = run_isolated(f"""
        import resource
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        x, w = np.full((1, 1, 1), 2.0), np.full((1, 1, 1), 3.0)
        for cropping in (0, [0, 0]):
            y = tconv1d.transposed_conv1d(x, w, stride={stride}, cropping=cropping)
            assert y.shape == (1, 1, 1) and y[0, 0, 0] == 6.0, y
            dx, dw, db = tconv1d.transposed_conv1d_backward(x, w, np.ones((1, 1, 1)), stride={stride})
            assert dx[0, 0, 0] == 3.0 and dw[0, 0, 0] == 2.0 and db[0] == 1.0
        length = 2 if {stride} <= 2**62 else 1  # (L - 1) * S + F must fit in 64 bits
        x, w = np.ones((2, 3, length)), np.ones((2, 5, 3))
        crop = [0, (length - 1) * {stride}]  # only the first input's two taps remain
        y = tconv1d.transposed_conv1d(x, w, stride={stride}, cropping=crop)
        assert np.array_equal(y, np.full((2, 5, 2), 3.0)), y
        grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
        assert grown < 64 * 1024, f"peak memory grew by {{grown}} KiB"
        print("OK")
    """)
    assert out.strip().endswith("OK")


@pytest.mark.parametrize(
    ("stride", "exception", "size"), [(2**40, "MemoryError", "64.0 TiB"), (2**60, "OverflowError", "64.0 EiB")]
)
def test_an_output_that_cannot_exist_is_an_error_naming_its_cause(stride, exception, size):
    out = run_isolated(f"""
        x, w = np.ones((2, 3, 3)), np.ones((4, 2, 3))
        try:
            tconv1d.transposed_conv1d(x, w, stride={stride})
        except (MemoryError, OverflowError) as error:
            print(type(error).__name__, error)
    """)
    kind, _, message = out.partition(" ")
    assert kind == exception, out
    # (2, 2, 2 * S + 4) float64: 32 * (2 * S + 4) bytes, shown in binary units
    for word in ("output", "stride = " + str(stride), "cropping", size):
        assert word in message, message


def test_same_with_a_huge_stride_needs_a_huge_output():
    out = run_isolated("""
        try:
            tconv1d.transposed_conv1d(np.ones((1, 2, 2)), np.ones((3, 2, 2)), stride=2**62, cropping="same")
        except OverflowError as error:
            print("OverflowError", error)
    """)
    assert out.startswith("OverflowError") and "L * Stride" in out, out


def _workspace_of(call) -> int:
    """Bytes of workspace one call took: the cache is emptied, the call runs, and
    what it handed back is the one block it used."""
    limit = tconv1d._core.workspace_cache_limit()
    tconv1d.set_workspace_cache_limit(0)
    tconv1d.set_workspace_cache_limit(1 << 40)
    try:
        call()
        return tconv1d.workspace_cached_bytes()
    finally:
        tconv1d.set_workspace_cache_limit(limit)


@settings(max_examples=60, deadline=None)
@given(
    batch=st.integers(1, 9),
    channels=st.integers(1, 70),
    filters=st.integers(1, 100),
    filter_size=st.integers(1, 17),
    stride=st.sampled_from([1, 2, 3, 4, 8, 16, 1000]),
    length=st.integers(1, 300),
    same=st.booleans(),
    dtype=st.sampled_from([np.float32, np.float64]),
)
def test_workspace_is_bounded_by_the_calls_own_arrays(
    batch, channels, filters, filter_size, stride, length, same, dtype
):
    _assert_workspace_bounded(batch, channels, filters, filter_size, stride, length, same, dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "shape",
    [
        (8, 16, 8, 5, 2, 1024, True),  # few tiles, long items: ranges (backward-weights)
        (64, 16, 16, 5, 2, 512, True),
        (1, 4, 8, 8, 4, 16384, True),
        (3, 40, 4, 3, 1, 5000, False),
    ],
)
def test_workspace_is_bounded_at_two_threads_where_few_tiles_share_long_inputs(shape, dtype):
    # Backward-weights cuts the positions of few tiles into ranges, one task
    # each, so that more threads than tiles each transpose part of the input:
    # their copies count against R8.3 too.
    threads = tconv1d.get_num_threads()
    tconv1d.set_num_threads(2)
    try:
        _assert_workspace_bounded(*shape, dtype)
    finally:
        tconv1d.set_num_threads(threads)


def _assert_workspace_bounded(batch, channels, filters, filter_size, stride, length, same, dtype):
    # R8.3: at most the bytes of the call's inputs and outputs plus 64 KiB,
    # plus a tile set (at most 3 KiB) per thread and 1152 bytes per workspace
    # piece; three times that for a forward that may run split in three
    # (filters longer than the stride, two positions or more: R8.5).
    cropping = "same" if same else 0
    x = np.ones((batch, channels, length), dtype)
    w = np.ones((filter_size, filters, channels), dtype)
    b = np.ones(filters, dtype)
    geometry = tconv1d.resolve_geometry(length, filter_size, stride, cropping)
    y = np.empty((batch, filters, geometry.out_length), dtype)
    dy, dx, dw = np.ones_like(y), np.empty_like(x), np.empty_like(w)
    core = tconv1d._core
    item = np.dtype(dtype).itemsize
    allowance = 65536 + tconv1d.get_num_threads() * 3072 + 4 * 1152
    passes = {
        "forward": (lambda: core.forward(x[None], w, b, geometry, y[None]), x.size + w.size + b.size + y.size),
        "backward-data": (lambda: core.backward_data(dy[None], w, geometry, dx[None]), dy.size + w.size + dx.size),
        "backward-weights": (
            lambda: core.backward_weights(x[None], dy[None], geometry, dw),
            x.size + dy.size + dw.size,
        ),
    }
    may_split = filter_size > stride and length >= 2
    for name, (call, elements) in passes.items():
        used = _workspace_of(call)
        times = 3 if name == "forward" and may_split else 1
        assert used <= times * (elements * item + allowance), (name, used, elements * item)


def test_backward_workspace_is_packed_in_slices_of_at_most_64_mib():
    # R8.3: backward-data and backward-weights pack batch slices of at most
    # 64 MiB (one item's where that is more). Each pass on a layer of 128 MiB
    # or 64 MiB of dy whose packed slabs would take more all at once:
    # backward-weights of eight items packs about 10 MiB per item (phase-split
    # dy and transposed input; 77.5 MiB all at once), backward-data of four
    # items of 8192 filters slabs too large for L2 (32 MiB per item, packed
    # up front; 99.5 MiB all at once).
    core = tconv1d._core
    allowance = 65536 + tconv1d.get_num_threads() * 3072 + 4 * 1152

    def operands(batch, channels, filters, filter_size, stride, length):
        x = np.ones((batch, channels, length), np.float32)
        w = np.ones((filter_size, filters, channels), np.float32)
        geometry = tconv1d.resolve_geometry(length, filter_size, stride, 0)
        dy = np.ones((batch, filters, geometry.out_length), np.float32)
        return x, w, geometry, dy

    x, w, geometry, dy = operands(4, 8, 8192, 2, 2, 512)
    dx = np.empty_like(x)
    used = _workspace_of(lambda: core.backward_data(dy[None], w, geometry, dx[None]))
    assert used <= (64 << 20) + w.nbytes + allowance, ("backward-data", used)
    x, w, geometry, dy = operands(8, 64, 128, 4, 2, 8192)
    dw = np.empty_like(w)
    used = _workspace_of(lambda: core.backward_weights(x[None], dy[None], geometry, dw))
    assert used <= (64 << 20) + w.nbytes + allowance, ("backward-weights", used)


@pytest.mark.skipif(os.environ.get("TCONV1D_STRATEGY") == "direct", reason="the direct loop nests take no workspace")
def test_workspace_cache_limit_frees_and_refuses_negative():
    x, w = np.ones((4, 64, 256), np.float32), np.ones((4, 64, 64), np.float32)
    tconv1d.transposed_conv1d(x, w, stride=2)
    assert 0 < tconv1d.workspace_cached_bytes() <= tconv1d._core.workspace_cache_limit()
    limit = tconv1d._core.workspace_cache_limit()
    try:
        tconv1d.set_workspace_cache_limit(0)
        assert tconv1d.workspace_cached_bytes() == 0
        tconv1d.transposed_conv1d(x, w, stride=2)
        assert tconv1d.workspace_cached_bytes() == 0
    finally:
        tconv1d.set_workspace_cache_limit(limit)
    with pytest.raises(ValueError, match="nbytes"):
        tconv1d.set_workspace_cache_limit(-1)


@settings(max_examples=40, deadline=None)
@given(
    stride=st.one_of(st.integers(1, 40), st.integers(2**20, 2**62)),
    filter_size=st.integers(1, 9),
    length=st.integers(1, 6),
    left=st.integers(0, 2**62),
    right=st.integers(0, 2**62),
    data=st.data(),
)
def test_any_stride_and_crop_matches_the_gather_oracle(stride, filter_size, length, left, right, data):
    full = (length - 1) * stride + filter_size
    if full > 2**63 - 1:
        with pytest.raises(OverflowError, match="64 bits"):
            tconv1d.output_length(length, filter_size, stride)
        return
    # Crops drawn anywhere, then moved so that between 1 and 40 outputs remain.
    left %= full
    right = min(right % full, full - left - 1)
    keep = full - left - right
    if keep > 40:
        right += keep - data.draw(st.integers(1, 40))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    x = rng.standard_normal((2, 3, length))
    w = rng.standard_normal((filter_size, 2, 3))
    b = rng.standard_normal(2)
    crop = [left, right]
    y = tconv1d.transposed_conv1d(x, w, b, stride=stride, cropping=crop)
    assert oracles.relative_error(y, oracles.forward_gather(x, w, b, stride, crop)) < 1e-12
    dy = rng.standard_normal(y.shape)
    got = tconv1d.transposed_conv1d_backward(x, w, dy, stride=stride, cropping=crop)
    for g, e in zip(got, oracles.backward_gather(x, w, dy, stride, crop)):
        assert oracles.relative_error(g, e) < 1e-12
