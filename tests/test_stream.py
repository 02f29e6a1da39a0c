"""Streaming (SPEC R13): random chunkings of a signal, concatenated, equal the
whole-signal forward pass and the loop-nest oracle — every cropping mode, format
and dtype; bounded memory; the documented latency; errors that leave the stream
usable or clearly closed."""

from __future__ import annotations

import itertools
import os

import numpy as np
import oracles
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tconv1d

# Every supported format (R4.1) in every axis order (R4.2).
FORMATS = sorted({"".join(p) for base in tconv1d.SUPPORTED_FORMATS for p in itertools.permutations(base)})
CROPPINGS = st.one_of(
    st.just("same"),
    st.integers(0, 4),
    st.tuples(st.integers(0, 12), st.integers(0, 12)).map(list),
)


def _signal(rng, fmt, channels, length, dtype):
    """An array of ``fmt`` with the given channels and length, batch axes of size 1-2."""
    labels = fmt.upper()
    spatial = labels.index("S") if "S" in labels else labels.index("T")
    shape = [int(rng.integers(1, 3)) for _ in labels]
    shape[labels.index("C")] = channels
    shape[spatial] = length
    return rng.standard_normal(shape).astype(dtype), spatial


def _stream_in_chunks(stream, x, axis, sizes):
    outputs, start = [], 0
    for size in sizes:
        outputs.append(stream.push(np.take(x, range(start, min(start + size, x.shape[axis])), axis=axis)))
        start += size
        if start >= x.shape[axis]:
            break
    if start < x.shape[axis]:
        outputs.append(stream.push(np.take(x, range(start, x.shape[axis]), axis=axis)))
    outputs.append(stream.flush())
    return np.concatenate(outputs, axis=axis)


@settings(max_examples=150, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    fmt=st.sampled_from(FORMATS),
    filter_size=st.integers(1, 9),
    stride=st.integers(1, 5),
    length=st.integers(1, 40),
    cropping=CROPPINGS,
    dtype=st.sampled_from([np.float32, np.float64]),
    sizes=st.lists(st.integers(0, 11), min_size=1, max_size=30),
    with_bias=st.booleans(),
)
def test_random_chunkings_equal_the_whole_signal(
    seed, fmt, filter_size, stride, length, cropping, dtype, sizes, with_bias
):
    rng = np.random.default_rng(seed)
    channels, filters = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    x, axis = _signal(rng, fmt, channels, length, dtype)
    w = rng.standard_normal((filter_size, filters, channels)).astype(dtype)
    b = rng.standard_normal(filters).astype(dtype) if with_bias else None
    stream = tconv1d.transposed_conv1d_stream(w, b, stride, cropping, fmt)
    try:
        want = tconv1d.transposed_conv1d(x, w, b, stride, cropping, fmt)
    except ValueError:  # the crop leaves no output of the whole signal: flush says the same
        with pytest.raises(ValueError, match="leaves no output"):
            _stream_in_chunks(stream, x, axis, sizes)
        assert stream.closed
        return
    got = _stream_in_chunks(stream, x, axis, sizes)
    assert got.shape == want.shape and got.dtype == want.dtype
    tolerance = oracles.TOLERANCE[np.dtype(dtype)]
    oracle = oracles.from_ncl(oracles.forward(oracles.to_ncl(x, fmt), w, b, stride, cropping), fmt, x.shape)
    # Errors relative to the oracle run on magnitudes (the sum of |terms|):
    # an output whose terms cancel (one of -2e-5 from terms of size ~1) is
    # exact only to the size of its terms, in whatever order they are added.
    bound = oracles.from_ncl(
        oracles.forward(np.abs(oracles.to_ncl(x, fmt)), np.abs(w), None if b is None else np.abs(b), stride, cropping),
        fmt,
        x.shape,
    )
    assert oracles.relative_error(got, want, scale=bound) < tolerance
    assert oracles.relative_error(got, oracle, scale=bound) < tolerance
    assert stream.samples_pushed == length and stream.outputs_returned == want.shape[axis]


@pytest.mark.skipif(
    os.environ.get("TCONV1D_STRATEGY", "") in ("taps", "split"),
    reason="the taps kernel orders its sum by the window's position, a stream never runs split (R13.2: within R3.5 only)",
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bitwise_when_chunk_and_signal_run_the_same_kernel(dtype):
    """R13.2: under one kernel strategy the stream's sums are the whole signal's, bit for bit."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 16, 300)).astype(dtype)
    w = rng.standard_normal((8, 12, 16)).astype(dtype)
    b = rng.standard_normal(12).astype(dtype)
    strategy = os.environ.get("TCONV1D_STRATEGY")
    want = tconv1d.transposed_conv1d(x, w, b, 4, [3, 2])
    stream = tconv1d.transposed_conv1d_stream(w, b, 4, [3, 2])
    got = _stream_in_chunks(stream, x, 2, [37, 1, 64, 5, 100])
    if strategy is None:
        assert oracles.relative_error(got, want) < oracles.TOLERANCE[np.dtype(dtype)]
    else:
        np.testing.assert_array_equal(got, want)


def test_the_seam_in_the_chunks_call_is_the_whole_signal_bit_for_bit():
    """A push computes its seam (outputs the held samples reach) in the chunk's own call,
    reading the held samples and the chunk as one input, where the per-item kernel runs:
    forced here, so that whole signal and chunks run it and must agree bit for bit, with
    held samples filling none, part or all of a column block's input."""
    from isolated import run_isolated

    run_isolated(
        """
        rng = np.random.default_rng(3)
        cases = [  # (B, C, K, F, S, L, cropping, chunk sizes)
            (2, 24, 20, 4, 2, 400, [1, 1], [256, 1, 2, 47, 48, 49, 1]),
            (1, 16, 12, 16, 2, 300, "same", [5, 1, 1, 100, 3, 64]),
            (2, 8, 9, 3, 5, 200, 0, [7, 1, 60, 2]),
            (3, 20, 16, 11, 4, 250, [6, 3], [33, 1, 90, 4]),
            # stride 1 over more channels than a chunk of the input rows: the
            # filter blocks' tiles summed side by side, chunk by chunk
            (1, 300, 16, 5, 1, 200, [2, 1], [64, 1, 70, 3]),
        ]
        for dtype in (np.float32, np.float64):
            for B, C, K, F, S, L, crop, sizes in cases:
                x = rng.standard_normal((B, C, L)).astype(dtype)
                w = rng.standard_normal((F, K, C)).astype(dtype)
                b = rng.standard_normal(K).astype(dtype)
                want = tconv1d.transposed_conv1d(x, w, b, S, crop)
                stream = tconv1d.transposed_conv1d_stream(w, b, S, crop)
                parts, start = [], 0
                while start < L:
                    for size in sizes:
                        parts.append(stream.push(x[:, :, start : start + size]))
                        start += size
                parts.append(stream.flush())
                np.testing.assert_array_equal(np.concatenate(parts, axis=2), want, err_msg=str((B, C, K, F, S, crop)))
        """,
        env={"TCONV1D_STRATEGY": "per-item"},
    )


def test_memory_is_bounded_whatever_the_length():
    """R13.4: the samples held do not grow with the signal."""
    rng = np.random.default_rng(0)
    w = rng.standard_normal((16, 4, 3)).astype(np.float32)
    # (F + max(0, r - F + S)) / S + 2 samples between pushes, whatever the chunk (R13.4).
    for cropping, bound in (("same", 16 // 8 + 2), ([4, 4], 16 // 8 + 2), ([0, 40], (16 + 40 - 16 + 8) // 8 + 2)):
        stream = tconv1d.transposed_conv1d_stream(w, None, 8, cropping)
        chunk = rng.standard_normal((1, 3, 256)).astype(np.float32)
        held = []
        for _ in range(400):
            stream.push(chunk)
            held.append(stream.samples_held)
        assert max(held) <= bound, (cropping, max(held))
        assert stream.samples_pushed == 400 * 256


@pytest.mark.parametrize(
    ("filter_size", "stride", "cropping", "latency"),
    [(16, 8, "same", 4), (11, 4, "same", 3), (2, 5, "same", 0), (16, 8, [4, 4], 4), (16, 8, [0, 9], 0), (3, 1, 0, 2)],
)
def test_latency_is_what_the_whole_signal_has_beyond_the_returned_outputs(filter_size, stride, cropping, latency):
    """R13.3: after each push, the signal ending now would have exactly `latency` more outputs."""
    rng = np.random.default_rng(1)
    w = rng.standard_normal((filter_size, 2, 2))
    stream = tconv1d.transposed_conv1d_stream(w, None, stride, cropping)
    assert stream.latency == latency
    returned = 0
    for pushed in range(5, 60, 5):
        returned += stream.push(rng.standard_normal((1, 2, 5))).shape[2]
        assert tconv1d.output_length(pushed, filter_size, stride, cropping) - returned == latency


def test_layer_stream_equals_predict_and_fills_parameters_like_predict():
    layer = tconv1d.transposed_conv1d_layer(5, 3, Stride=2, Cropping="same", BiasInitializer="narrownormal")
    x = np.random.default_rng(2).standard_normal((4, 2, 23)).astype(np.float32)  # CBT
    stream = layer.stream("CBT")
    got = _stream_in_chunks(stream, x, 2, [3, 7, 1, 9])
    assert layer.num_channels == 4 and layer.weights is not None  # filled at the first push (R5)
    np.testing.assert_allclose(got, layer.predict(x, "CBT"), rtol=1e-5, atol=1e-6)


def test_the_stream_keeps_a_snapshot_of_the_parameters():
    rng = np.random.default_rng(3)
    w = rng.standard_normal((4, 2, 3))
    x = rng.standard_normal((1, 3, 10))
    want = tconv1d.transposed_conv1d(x, w, None, 2, 0)
    stream = tconv1d.transposed_conv1d_stream(w, None, 2, 0)
    w[:] = 0  # the caller's array changes after the stream was made
    got = np.concatenate([stream.push(x[..., :4]), stream.push(x[..., 4:]), stream.flush()], axis=2)
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_inputs_are_not_modified_and_views_are_taken():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 3, 40))[:, ::-1, ::2]  # reversed channels, strided positions
    w = rng.standard_normal((3, 2, 3))
    before = x.copy()
    stream = tconv1d.transposed_conv1d_stream(w, None, 2, "same")
    got = np.concatenate([stream.push(x[..., :7]), stream.push(x[..., 7:]), stream.flush()], axis=2)
    np.testing.assert_array_equal(x, before)
    np.testing.assert_allclose(got, tconv1d.transposed_conv1d(x, w, None, 2, "same"), rtol=1e-12)


def test_empty_chunks_are_accepted_and_return_nothing():
    w = np.ones((4, 2, 3))
    stream = tconv1d.transposed_conv1d_stream(w, None, 2, 0)
    assert stream.push(np.zeros((1, 3, 0))).shape == (1, 2, 0)
    assert stream.push(np.ones((1, 3, 5))).shape[2] == 10


def test_bad_chunks_raise_and_leave_the_stream_usable():
    rng = np.random.default_rng(6)
    w = rng.standard_normal((4, 2, 3))
    x = rng.standard_normal((2, 3, 20))
    stream = tconv1d.transposed_conv1d_stream(w, None, 2, "same")
    first = stream.push(x[..., :5])
    with pytest.raises(ValueError, match="channels"):
        stream.push(rng.standard_normal((2, 4, 5)))
    with pytest.raises(ValueError, match="batch and channel sizes are fixed"):
        stream.push(rng.standard_normal((3, 3, 5)))
    with pytest.raises(TypeError, match="dtype float32 differs from the stream's float64"):
        stream.push(x[..., 5:10].astype(np.float32))
    with pytest.raises(TypeError, match="chunk"):
        stream.push(x[..., 5:10].astype(np.int64))
    with pytest.raises(ValueError, match="format"):
        stream.push(x[0, :, 5:10])
    rest = stream.push(x[..., 5:])
    got = np.concatenate([first, rest, stream.flush()], axis=2)
    np.testing.assert_allclose(got, tconv1d.transposed_conv1d(x, w, None, 2, "same"), rtol=1e-12)
    assert stream.closed
    with pytest.raises(ValueError, match="push after flush"):
        stream.push(x)
    with pytest.raises(ValueError, match="already closed"):
        stream.flush()


def test_flush_raises_what_the_whole_signal_would():
    w = np.ones((3, 1, 1))
    empty = tconv1d.transposed_conv1d_stream(w)
    with pytest.raises(ValueError, match="no samples"):
        empty.flush()
    assert empty.closed
    cropped = tconv1d.transposed_conv1d_stream(w, None, 1, [3, 3])
    assert cropped.push(np.ones((1, 1, 2))).shape == (1, 1, 0)
    with pytest.raises(ValueError, match="leaves no output"):
        cropped.flush()


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"stride": 0}, ValueError, "stride"),
        ({"cropping": -1}, ValueError, "Cropping"),
        ({"cropping": "valid"}, ValueError, "Cropping"),
        ({"fmt": "BCU"}, ValueError, "format"),
        ({"fmt": 3}, TypeError, "fmt"),
        ({"bias": np.ones(5)}, ValueError, "bias"),
    ],
)
def test_bad_arguments_raise_when_the_stream_is_made(kwargs, error, words):
    with pytest.raises(error, match=words):
        tconv1d.transposed_conv1d_stream(np.ones((3, 2, 2)), **kwargs)


def test_weights_are_validated_when_the_stream_is_made():
    with pytest.raises(ValueError, match="weights"):
        tconv1d.transposed_conv1d_stream(np.ones((3, 2)))
    with pytest.raises(TypeError, match="weights"):
        tconv1d.transposed_conv1d_stream(np.ones((3, 2, 2), dtype=np.int32))
