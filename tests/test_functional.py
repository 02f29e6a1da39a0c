"""The operation (R2, R3, R7) through tconv1d's functions, checked against the
oracles in oracles.py, the adjoint identity and central finite differences."""

from __future__ import annotations

import numpy as np
import oracles
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tconv1d

DTYPES = [np.float32, np.float64]


def random_case(rng, batch, channels, filters, filter_size, length, dtype):
    x = rng.standard_normal((batch, channels, length)).astype(dtype)
    w = rng.standard_normal((filter_size, filters, channels)).astype(dtype)
    b = rng.standard_normal(filters).astype(dtype)
    return x, w, b


def check_all_passes(x, w, b, stride, cropping):
    # Each error is measured against the size of the products summed, not of
    # their sum: the oracle on absolute values (the bound of a rounded sum,
    # n * eps * sum |terms|). Against the sum alone, a float32 gradient of a
    # few products that cancel to 1e-3 of their size (3 items of 3 positions,
    # one channel and tap) missed 1e-5 by rounding alone, on every body.
    tol = oracles.TOLERANCE[x.dtype]
    ax, aw, ab = np.abs(x), np.abs(w), np.abs(b)
    y = tconv1d.transposed_conv1d(x, w, b, stride=stride, cropping=cropping)
    want = oracles.forward(x, w, b, stride, cropping)
    assert y.shape == want.shape and y.dtype == x.dtype
    assert oracles.relative_error(y, want, oracles.forward(ax, aw, ab, stride, cropping)) < tol
    dy = np.random.default_rng(1).standard_normal(y.shape).astype(x.dtype)
    dx, dw, db = tconv1d.transposed_conv1d_backward(x, w, dy, stride=stride, cropping=cropping)
    want_dx, want_dw, want_db = oracles.backward(x, w, dy, stride, cropping)
    size_dx, size_dw, size_db = oracles.backward(ax, aw, np.abs(dy), stride, cropping)
    assert dx.shape == x.shape and dw.shape == w.shape and db.shape == (w.shape[1],)
    assert dx.dtype == dw.dtype == db.dtype == x.dtype
    assert oracles.relative_error(dx, want_dx, size_dx) < tol
    assert oracles.relative_error(dw, want_dw, size_dw) < tol
    assert oracles.relative_error(db, want_db, size_db) < tol


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    ("batch", "channels", "filters", "filter_size", "stride", "length", "cropping"),
    [
        (1, 1, 1, 1, 1, 1, 0),
        (2, 3, 4, 5, 2, 7, [1, 3]),  # asymmetric crop
        (3, 4, 5, 11, 4, 9, "same"),  # odd total: extra element cropped right
        (2, 3, 2, 6, 2, 5, "same"),  # even total
        (2, 2, 3, 4, 4, 6, "same"),  # zero total
        (2, 3, 2, 2, 5, 4, "same"),  # negative total: bias-only extension
        (1, 2, 3, 3, 3, 1, [0, 2]),  # L = 1
        (1, 2, 2, 3, 1, 1, "same"),  # L = 1, same
        (2, 16, 8, 4, 2, 33, 1),
        (1, 3, 2, 1, 7, 5, 0),  # F = 1 < S: gaps of zeros plus bias
        (2, 5, 11, 3, 2, 6, [1, 2]),  # filters past a multiple of the tile rows (4 and 8): a last partial block
        (3, 7, 19, 5, 3, 2, "same"),  # short input, filters 2 tiles + 3 rows: weights read in place and packed
        (1, 9, 16, 2, 2, 1, 0),  # whole tiles of filters, one sample
        # Backward-weights with whole tiles of filters per tap (K a multiple of every
        # body's tile rows) and channels filling whole columns: dy packed as phase rows
        # that taps f and f + S read shifted (chunks inside one item) or tap by tap.
        (1, 48, 16, 8, 2, 300, "same"),  # one long item, 4 taps per phase
        (3, 48, 24, 7, 3, 150, [2, 1]),  # chunks inside an item and across items
        (1, 48, 16, 5, 8, 200, 0),  # S > F: every tap its own phase
        # Strides 5 to 10 with every phase holding taps: the per-item forward
        # stores a column block's phase tiles together.
        (2, 8, 8, 16, 8, 20, [4, 4]),
        (1, 6, 5, 14, 7, 12, [3, 3]),
        (2, 5, 9, 10, 10, 9, "same"),
    ],
)
def test_passes_match_the_oracle(dtype, batch, channels, filters, filter_size, stride, length, cropping):
    rng = np.random.default_rng(hash((batch, channels, filters, filter_size, stride, length)) % 2**32)
    x, w, b = random_case(rng, batch, channels, filters, filter_size, length, dtype)
    check_all_passes(x, w, b, stride, cropping)


def test_over_64_mb_of_short_items_with_weights_beyond_l2():
    # 68 MB of float32 input in items of 470 KB, 1.2 MB of weights: the
    # tap-wise forward takes its input in chunks of two column blocks (over
    # 64 MB), and tasks of whole items once ran each chunk as one tile (NaN,
    # TCONV1D_STRATEGY=taps); they now run block by block. The first and last
    # items against the oracle.
    rng = np.random.default_rng(17)
    x, w, b = random_case(rng, 141, 600, 32, 16, 200, np.float32)
    y = tconv1d.transposed_conv1d(x, w, b, stride=1, cropping=0)
    ends = [0, x.shape[0] - 1]
    want = oracles.forward(x[ends], w, b, 1, 0)
    size = oracles.forward(np.abs(x[ends]), np.abs(w), np.abs(b), 1, 0)
    assert oracles.relative_error(y[ends], want, size) < oracles.TOLERANCE[x.dtype]


@settings(max_examples=60, deadline=None)
@given(
    batch=st.integers(1, 3),
    channels=st.integers(1, 6),
    filters=st.integers(1, 6),
    filter_size=st.integers(1, 9),
    stride=st.integers(1, 6),
    length=st.integers(1, 12),
    crop=st.one_of(st.just("same"), st.tuples(st.floats(0, 1), st.floats(0, 1))),
    dtype=st.sampled_from(DTYPES),
    seed=st.integers(0, 2**32 - 1),
)
def test_random_shapes_match_the_oracle(batch, channels, filters, filter_size, stride, length, crop, dtype, seed):
    if not isinstance(crop, str):
        # Fractions of the room left, so that every drawn crop keeps Lout >= 1.
        room = (length - 1) * stride + filter_size - 1
        left = int(crop[0] * room)
        crop = [left, int(crop[1] * (room - left))]
    x, w, b = random_case(np.random.default_rng(seed), batch, channels, filters, filter_size, length, dtype)
    check_all_passes(x, w, b, stride, crop)


@pytest.mark.parametrize("cropping", [0, [2, 1], "same"])
def test_adjoint_identity(cropping):
    # <forward(x), v> = <x, backward_data(v)> for the bias-free operator.
    rng = np.random.default_rng(7)
    x, w, _ = random_case(rng, 2, 5, 4, 7, 9, np.float64)
    y = tconv1d.transposed_conv1d(x, w, None, stride=3, cropping=cropping)
    v = rng.standard_normal(y.shape)
    dx, _, _ = tconv1d.transposed_conv1d_backward(x, w, v, stride=3, cropping=cropping)
    lhs, rhs = np.vdot(y, v), np.vdot(x, dx)
    assert abs(lhs - rhs) <= 1e-12 * np.abs(y * v).sum()


@pytest.mark.parametrize("cropping", [[1, 0], "same"])
def test_gradients_by_central_differences(cropping):
    # d/dθ <forward(x; W, b), v> for θ in x, W, b, by central differences (float64).
    rng = np.random.default_rng(11)
    x, w, b = random_case(rng, 2, 3, 2, 5, 4, np.float64)
    stride = 2
    v = rng.standard_normal(tconv1d.transposed_conv1d(x, w, b, stride=stride, cropping=cropping).shape)

    def objective(x_, w_, b_):
        return np.vdot(tconv1d.transposed_conv1d(x_, w_, b_, stride=stride, cropping=cropping), v)

    dx, dw, db = tconv1d.transposed_conv1d_backward(x, w, v, stride=stride, cropping=cropping)
    h = 1e-6
    for grad, which in ((dx, 0), (dw, 1), (db, 2)):
        args = [x, w, b]
        numeric = np.zeros_like(args[which])
        for index in np.ndindex(args[which].shape):
            plus = [a.copy() for a in args]
            minus = [a.copy() for a in args]
            plus[which][index] += h
            minus[which][index] -= h
            numeric[index] = (objective(*plus) - objective(*minus)) / (2 * h)
        assert np.allclose(grad, numeric, rtol=1e-6, atol=1e-7)


def test_bias_only_extension_when_filter_shorter_than_stride():
    # R2.3: F < S with 'same' appends S - F elements holding only the bias.
    x = np.ones((1, 1, 3))
    w = np.full((2, 1, 1), 10.0)
    y = tconv1d.transposed_conv1d(x, w, np.array([0.5]), stride=5, cropping="same")
    assert y.shape == (1, 1, 15)
    np.testing.assert_array_equal(y[0, 0], np.tile([10.5, 10.5, 0.5, 0.5, 0.5], 3))


@pytest.mark.parametrize("dtype", DTYPES)
def test_bias_only_outputs_are_the_bias_bit_for_bit(dtype):
    # S > F: outputs between the inputs' runs, and a "same" extension, hold
    # the bias itself, -0.0 included (R2.3), whichever way a strategy writes
    # them (the per-item forward gathers them with the products, adding the
    # bias to a -0 slot), over several column blocks and items.
    rng = np.random.default_rng(7)
    stride, filter_size, length = 6, 4, 300
    x = rng.standard_normal((2, 5, length)).astype(dtype)
    w = rng.standard_normal((filter_size, 4, 5)).astype(dtype)
    b = np.array([-0.0, 0.0, 1.5, -2.25], dtype=dtype)
    for cropping in ("same", [1, 3]):
        y = tconv1d.transposed_conv1d(x, w, b, stride=stride, cropping=cropping)
        left = tconv1d.resolve_geometry(length, filter_size, stride, cropping).crop_left
        full = np.arange(y.shape[-1]) + left  # full-output positions
        bias_only = (full % stride >= filter_size) | (full >= (length - 1) * stride + filter_size)
        assert bias_only.sum() > y.shape[-1] // 4
        kept = np.broadcast_to(b[None, :, None], y.shape)[..., bias_only]
        got = y[..., bias_only]
        np.testing.assert_array_equal(got, kept)
        np.testing.assert_array_equal(np.signbit(got), np.signbit(kept))
        assert oracles.relative_error(y, oracles.forward(x, w, b, stride, cropping)) < oracles.TOLERANCE[x.dtype]


def test_onnx_published_case():
    # ONNX test_convtranspose_1d: X = [0, 1, 2], W = ones(1, 1, 3) -> [0, 1, 3, 3, 2].
    y = tconv1d.transposed_conv1d(np.array([[[0.0, 1.0, 2.0]]]), np.ones((3, 1, 1)))
    np.testing.assert_array_equal(y, [[[0.0, 1.0, 3.0, 3.0, 2.0]]])


def test_same_trims_the_odd_element_on_the_right():
    # F - S = 3: crop [1 2]. With an impulse input the filter taps show where the window sits.
    w = np.arange(1.0, 6.0).reshape(5, 1, 1)
    y = tconv1d.transposed_conv1d(np.array([[[1.0, 0.0]]]), w, stride=2, cropping="same")
    np.testing.assert_array_equal(y[0, 0], [2.0, 3.0, 4.0, 5.0])
    assert tconv1d.resolve_geometry(2, 5, 2, "same").crop_left == 1
    assert tconv1d.resolve_geometry(2, 5, 2, "same").crop_right == 2


# ---------------------------------------------------------------- formats (R4)

FORMAT_CASES = [
    # fmt, shape, (axis of channels, axis upsampled)
    ("SCB", (6, 3, 2), (1, 0)),
    ("CBT", (3, 2, 6), (0, 2)),
    ("BCT", (2, 3, 6), (1, 2)),
    ("SCBT", (6, 3, 2, 4), (1, 0)),
    ("BTCS", (2, 4, 3, 6), (2, 3)),
    ("SC", (6, 3), (1, 0)),
    ("CT", (3, 6), (0, 1)),
    ("TC", (6, 3), (1, 0)),
    ("SCT", (6, 3, 4), (1, 0)),
    ("TSC", (4, 6, 3), (2, 1)),
]


@pytest.mark.parametrize(("fmt", "shape", "axes"), FORMAT_CASES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_every_format_and_order(fmt, shape, axes, dtype):
    channel_axis, spatial_axis = axes
    rng = np.random.default_rng(3)
    x = rng.standard_normal(shape).astype(dtype)
    w = rng.standard_normal((4, 5, 3)).astype(dtype)
    b = rng.standard_normal(5).astype(dtype)
    y = tconv1d.transposed_conv1d(x, w, b, stride=2, cropping=[1, 0], fmt=fmt)
    # Which axis grows: (6 - 1) * 2 + 4 - 1 = 13; channels become NumFilters; the rest stay.
    expected_shape = list(shape)
    expected_shape[spatial_axis] = 13
    expected_shape[channel_axis] = 5
    assert y.shape == tuple(expected_shape) and y.dtype == dtype
    # Values: move to (batch..., C, L), flatten the batch axes, compare with the oracle.
    batch_axes = [a for a in range(len(shape)) if a not in axes]

    def to_ncl(a):
        moved = np.moveaxis(a, [*batch_axes, channel_axis, spatial_axis], range(len(shape)))
        return moved.reshape(-1, a.shape[channel_axis], a.shape[spatial_axis])

    want = oracles.forward(to_ncl(x), w, b, 2, [1, 0])
    assert oracles.relative_error(to_ncl(y), want) < oracles.TOLERANCE[np.dtype(dtype)]
    dy = rng.standard_normal(y.shape).astype(dtype)
    dx, dw, db = tconv1d.transposed_conv1d_backward(x, w, dy, stride=2, cropping=[1, 0], fmt=fmt)
    want_dx, want_dw, want_db = oracles.backward(to_ncl(x), w, to_ncl(dy), 2, [1, 0])
    assert dx.shape == x.shape
    tol = oracles.TOLERANCE[np.dtype(dtype)]
    assert oracles.relative_error(to_ncl(dx), want_dx) < tol
    assert oracles.relative_error(dw, want_dw) < tol
    assert oracles.relative_error(db, want_db) < tol


def test_lowercase_format_labels_are_accepted():
    x = np.ones((1, 2, 3))
    assert tconv1d.transposed_conv1d(x, np.ones((2, 1, 2)), fmt="bct").shape == (1, 1, 4)


# ---------------------------------------------------------------- the plain call's short path


class _Subclass(np.ndarray):
    """An ndarray subclass: NumPy's own arrays, but not the plain call (functional._plain_forward)."""


@pytest.mark.parametrize("dtype", DTYPES)
def test_the_plain_call_gives_the_general_paths_result(dtype):
    # The common call (NumPy arrays, default format, small output) skips the
    # general argument handling and reuses geometries by (L, F, stride,
    # cropping): every cropping spelling, seen twice, must still give the
    # general path's bits (a subclass of ndarray takes the general path).
    rng = np.random.default_rng(11)
    x, w, b = random_case(rng, 2, 5, 3, 4, 9, dtype)
    for stride in (1, 3):
        for cropping in (0, 2, [1, 2], (2, 1), [0, 0], "same", "SAME"):
            for _ in range(2):
                y = tconv1d.transposed_conv1d(x, w, b, stride=stride, cropping=cropping)
                want = tconv1d.transposed_conv1d(x.view(_Subclass), w, b, stride=stride, cropping=cropping)
                assert type(y) is np.ndarray and y.dtype == x.dtype
                np.testing.assert_array_equal(y, np.asarray(want))
                np.testing.assert_allclose(
                    y, oracles.forward(x, w, b, stride, cropping), rtol=0, atol=50 * oracles.TOLERANCE[x.dtype]
                )
    y = tconv1d.transposed_conv1d(x, w, None, stride=2, cropping=[1, 1])
    np.testing.assert_allclose(y, oracles.forward(x, w, None, 2, [1, 1]), atol=50 * oracles.TOLERANCE[x.dtype])


def test_the_plain_call_keeps_the_general_paths_errors():
    x, w, b = np.ones((1, 3, 4)), np.ones((2, 2, 3)), np.ones(2)
    tconv1d.transposed_conv1d(x, w, b, stride=2, cropping=[1, 1])  # a geometry now kept
    with pytest.raises(ValueError, match="Cropping"):
        tconv1d.transposed_conv1d(x, w, b, stride=2, cropping=[1, -1])
    with pytest.raises(ValueError, match=r"[Cc]ropping"):
        tconv1d.transposed_conv1d(x, w, b, stride=2, cropping=[4, 4])  # crops more than the output
    with pytest.raises(ValueError, match=r"[Cc]hannels"):
        tconv1d.transposed_conv1d(np.ones((1, 2, 4)), w, b, stride=2, cropping=[1, 1])
    with pytest.raises(ValueError, match="bias"):
        tconv1d.transposed_conv1d(x, w, np.ones(3), stride=2, cropping=[1, 1])
    with pytest.raises(ValueError, match="stride"):
        tconv1d.transposed_conv1d(x, w, b, stride=2.5, cropping=[1, 1])
    with pytest.raises(TypeError, match="float32 or float64"):
        tconv1d.transposed_conv1d(x, w.astype(np.int64), b, stride=2, cropping=[1, 1])


# ---------------------------------------------------------------- inputs (R3.4, R7.2)


def test_strided_reversed_readonly_inputs_give_the_same_result():
    rng = np.random.default_rng(5)
    base = rng.standard_normal((3, 8, 20))
    w = rng.standard_normal((3, 4, 4))
    strided = base[::-1, ::2, ::-2]  # reversed batch, every other channel, reversed stepped length
    assert not strided.flags.c_contiguous
    readonly = strided.copy()
    readonly.setflags(write=False)
    want = tconv1d.transposed_conv1d(np.ascontiguousarray(strided), w, stride=2)
    np.testing.assert_array_equal(tconv1d.transposed_conv1d(strided, w, stride=2), want)
    np.testing.assert_array_equal(tconv1d.transposed_conv1d(readonly, w, stride=2), want)
    w_fortran = np.asfortranarray(w)
    np.testing.assert_array_equal(tconv1d.transposed_conv1d(strided, w_fortran, stride=2), want)
    dy = rng.standard_normal(want.shape)[:, :, ::-1]
    got = tconv1d.transposed_conv1d_backward(strided, w, dy, stride=2)
    ref = tconv1d.transposed_conv1d_backward(np.ascontiguousarray(strided), w, np.ascontiguousarray(dy), stride=2)
    for g, r in zip(got, ref):
        np.testing.assert_array_equal(g, r)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "shape",
    # (B, C, K, F, S, L): channel counts past and at a multiple of every body's
    # tile rows; short inputs (the batched strategy) and longer ones (per item).
    [(1, 37, 24, 6, 3, 16), (4, 64, 16, 5, 2, 40), (2, 130, 32, 4, 4, 3), (1, 96, 40, 7, 7, 70)],
)
def test_backward_data_is_the_same_for_weights_in_any_layout(shape, dtype):
    # Weights in the layer's layout are read in place by backward-data, any
    # other layout is packed first: the same products in the same order.
    B, C, K, F, S, L = shape
    rng = np.random.default_rng(C)
    x = rng.standard_normal((B, C, L)).astype(dtype)
    w = rng.standard_normal((F, K, C)).astype(dtype)
    dy = rng.standard_normal((B, K, (L - 1) * S + F - 2)).astype(dtype)
    want = tconv1d.transposed_conv1d_backward(x, w, dy, stride=S, cropping=[1, 1])[0]
    wide = np.zeros((F, K, 2 * C), dtype)
    wide[:, :, ::2] = w
    for other in (np.asfortranarray(w), wide[:, :, ::2], np.ascontiguousarray(w[::-1])[::-1]):
        got = tconv1d.transposed_conv1d_backward(x, other, dy, stride=S, cropping=[1, 1])[0]
        np.testing.assert_array_equal(got, want)


def test_inputs_are_never_modified():
    rng = np.random.default_rng(9)
    x, w, b = random_case(rng, 2, 3, 4, 5, 6, np.float32)
    dy = rng.standard_normal((2, 4, 12)).astype(np.float32)
    copies = [a.copy() for a in (x, w, b, dy)]
    tconv1d.transposed_conv1d(x, w.astype(np.float64), b, stride=2, cropping=[1, 2])
    tconv1d.transposed_conv1d_backward(x, w, dy, stride=2, cropping=[1, 2])
    for original, copy in zip((x, w, b, dy), copies):
        np.testing.assert_array_equal(original, copy)


def test_weights_of_the_other_float_dtype_are_converted_for_the_call():
    rng = np.random.default_rng(2)
    x, w, b = random_case(rng, 1, 2, 3, 3, 5, np.float32)
    y = tconv1d.transposed_conv1d(x, w.astype(np.float64), b.astype(np.float64))
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y, tconv1d.transposed_conv1d(x, w, b))


def test_bias_as_row_vector():
    rng = np.random.default_rng(4)
    x, w, b = random_case(rng, 1, 2, 3, 3, 5, np.float64)
    np.testing.assert_array_equal(tconv1d.transposed_conv1d(x, w, b.reshape(1, 3)), tconv1d.transposed_conv1d(x, w, b))


def test_empty_batch_gives_empty_results():
    x = np.zeros((0, 2, 5))
    w = np.ones((3, 4, 2))
    y = tconv1d.transposed_conv1d(x, w, stride=2)
    assert y.shape == (0, 4, 11)
    dx, dw, db = tconv1d.transposed_conv1d_backward(x, w, np.zeros((0, 4, 11)), stride=2)
    assert dx.shape == x.shape and not dw.any() and not db.any()


def test_nan_and_inf_propagate():
    # R3.6: IEEE arithmetic, no crash or hang.
    x = np.ones((1, 1, 4))
    x[0, 0, 1] = np.nan
    x[0, 0, 3] = np.inf
    y = tconv1d.transposed_conv1d(x, np.ones((2, 1, 1)))
    assert np.isnan(y[0, 0, 1]) and np.isnan(y[0, 0, 2]) and np.isinf(y[0, 0, 4]) and y[0, 0, 0] == 1


def test_thread_count_is_settable_and_does_not_change_results():
    rng = np.random.default_rng(6)
    x, w, b = random_case(rng, 4, 6, 5, 7, 30, np.float32)
    before = tconv1d.get_num_threads()
    try:
        tconv1d.set_num_threads(1)
        assert tconv1d.get_num_threads() == 1
        one = tconv1d.transposed_conv1d(x, w, b, stride=3)
        tconv1d.set_num_threads(2)
        two = tconv1d.transposed_conv1d(x, w, b, stride=3)
    finally:
        tconv1d.set_num_threads(0)
    assert tconv1d.get_num_threads() == before
    assert one.tobytes() == two.tobytes()


# ---------------------------------------------------------------- geometry (R2)


@pytest.mark.parametrize(
    ("length", "filter_size", "stride", "cropping", "expected"),
    [(5, 3, 2, 0, 11), (5, 3, 2, [1, 2], 8), (5, 3, 2, 2, 7), (256, 11, 4, "same", 1024), (3, 2, 5, "SAME", 15)],
)
def test_output_length(length, filter_size, stride, cropping, expected):
    assert tconv1d.output_length(length, filter_size, stride, cropping) == expected


def test_output_length_accepts_integral_floats_and_numpy_integers():
    assert tconv1d.output_length(np.int8(5), 3.0, np.uint64(2)) == 11


def test_huge_sizes_are_overflow_errors():
    with pytest.raises(OverflowError):
        tconv1d.output_length(2**62, 3, 4)
    with pytest.raises(OverflowError):
        tconv1d.output_length(2**64, 3, 1)
    assert tconv1d.output_length(1, 2**63 - 1, 1) == 2**63 - 1
    # The limit is 2^63 - 1 exactly: one more is refused for every size argument.
    for args in [(2**63, 3, 1), (1, 2**63, 1), (1, 3, 2**63), (2, 3, 1, [2**63, 0]), (2, 3, 1, 2**63)]:
        with pytest.raises(OverflowError, match="64 bits"):
            tconv1d.output_length(*args)


# ---------------------------------------------------------------- PyTorch as a peer oracle (R3.2)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("cropping", [0, 2, [1, 3], "same"])
def test_agrees_with_pytorch(dtype, cropping):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(8)
    x, w, b = random_case(rng, 2, 6, 5, 7, 10, dtype)
    stride = 3
    full = torch.nn.functional.conv_transpose1d(
        torch.from_numpy(x),
        torch.from_numpy(np.ascontiguousarray(w.transpose(2, 1, 0))),
        torch.from_numpy(b),
        stride=stride,
    ).numpy()  # weight w[c, k, f] = W[f, k, c]; uncropped
    left, right, _ = oracles.resolve_crop(10, 7, stride, cropping)  # R2.2, R2.3 from the spec text
    want = full[:, :, left : full.shape[2] - right]
    y = tconv1d.transposed_conv1d(x, w, b, stride=stride, cropping=cropping)
    assert oracles.relative_error(y, want) < 10 * oracles.TOLERANCE[np.dtype(dtype)]

    xt = torch.from_numpy(x).requires_grad_()
    wt = torch.from_numpy(np.ascontiguousarray(w.transpose(2, 1, 0))).requires_grad_()
    bt = torch.from_numpy(b).requires_grad_()
    out = torch.nn.functional.conv_transpose1d(xt, wt, bt, stride=stride)
    out = out[:, :, left : out.shape[2] - right]
    dy = rng.standard_normal(out.shape).astype(dtype)
    out.backward(torch.from_numpy(dy))
    dx, dw, db = tconv1d.transposed_conv1d_backward(x, w, dy, stride=stride, cropping=cropping)
    tol = 10 * oracles.TOLERANCE[np.dtype(dtype)]
    assert oracles.relative_error(dx, xt.grad.numpy()) < tol
    assert oracles.relative_error(dw, wt.grad.numpy().transpose(2, 1, 0)) < tol
    assert oracles.relative_error(db, bt.grad.numpy()) < tol


def test_pytorch_symmetric_padding_is_symmetric_cropping():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(10)
    x, w, b = random_case(rng, 1, 3, 2, 5, 8, np.float64)
    want = torch.nn.functional.conv_transpose1d(
        torch.from_numpy(x),
        torch.from_numpy(np.ascontiguousarray(w.transpose(2, 1, 0))),
        torch.from_numpy(b),
        stride=2,
        padding=2,
    ).numpy()
    y = tconv1d.transposed_conv1d(x, w, b, stride=2, cropping=2)
    assert oracles.relative_error(y, want) < 1e-12


@pytest.mark.parametrize(("fmt", "shape", "axes"), FORMAT_CASES)
def test_canonical_layout_matches_the_canonical_view(fmt, shape, axes):
    # The GPU path builds the canonical view from tuples; it must equal NumPy's view,
    # also for reversed and sliced arrays.
    from tconv1d.formats import parse_format

    base = np.zeros(tuple(2 * n for n in shape))
    array = base[tuple(slice(None, None, -2) for _ in shape)]
    parsed = parse_format(fmt, array.ndim)
    view = parsed.canonical(array)
    assert parsed.canonical_layout(array.shape, array.strides) == (view.shape, view.strides)
    assert view.__array_interface__["data"][0] == array.__array_interface__["data"][0]


def test_the_smallest_valid_sizes_of_any_integer_type():  # R1.1 at the minimum
    assert tconv1d.output_length(np.int64(1), 1.0, np.uint8(1)) == 1
    assert tconv1d.output_length(1, 2, 1, np.int64(0)) == 2
    assert tconv1d.output_length(1, 3, 1.0, [np.uint16(0), 0.0]) == 3


def test_long_values_are_cut_short_in_messages():
    # A value's repr of up to 60 characters is shown whole, a longer one cut to 60.
    with pytest.raises(TypeError) as shown:
        tconv1d.output_length(3, 2, "x" * 58)  # repr: 60 characters
    assert "'" + "x" * 58 + "'" in str(shown.value)
    with pytest.raises(TypeError) as cut:
        tconv1d.output_length(3, 2, "x" * 59)
    assert "'" + "x" * 56 + "..." in str(cut.value) and "x" * 57 not in str(cut.value)
    # A format string of up to 40 characters (quoted) likewise, then cut to 30 and counted.
    x, w = np.ones((1, 1, 2)), np.ones((1, 1, 1))
    with pytest.raises(ValueError, match="38 labels") as whole:
        tconv1d.transposed_conv1d(x, w, fmt="B" * 38)
    assert "'" + "B" * 38 + "'" in str(whole.value)
    with pytest.raises(ValueError, match=r"\(39 characters\)") as counted:
        tconv1d.transposed_conv1d(x, w, fmt="B" * 39)
    assert "B" * 30 not in str(counted.value)
