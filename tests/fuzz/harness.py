"""The fuzz target: any byte string becomes one call of tconv1d's Python API,
with sizes, strides, crops, formats, dtypes, memory layouts and values drawn
from it, and the outcome is checked.

A call must either raise one of the documented exception classes with a short
message (SPEC R7), or return results equal to the gather-form oracle of
tests/oracles.py (which shares no code with the package); either way the
caller's arrays must be untouched. A crash, a hang, another exception class or
a wrong result is a finding. fuzz_api.py drives this with atheris (coverage
guided); tests/test_fuzz_corpus.py replays the committed corpus in the normal
test suite.
"""

from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import oracles

import tconv1d

DOCUMENTED = (ValueError, TypeError, OverflowError, MemoryError)
INT64_MAX = 2**63 - 1
# Calls whose output would hold more elements than this are not made (they
# would be slow, not wrong), unless they are far too large to exist at all.
MAX_ELEMENTS = 20_000
IMPOSSIBLE_BYTES = 2**50


class Decoder:
    """Draws values from the bytes, front to back; past the end every draw is 0."""

    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def byte(self) -> int:
        value = self.data[self.pos] if self.pos < len(self.data) else 0
        self.pos += 1
        return value

    def integer(self, low: int, high: int) -> int:
        span = high - low + 1
        value = 0
        for _ in range((span.bit_length() + 7) // 8):
            value = value * 256 + self.byte()
        return low + value % span

    def choice(self, options):
        return options[self.integer(0, len(options) - 1)]


def _stride(d: Decoder):
    kind = d.integer(0, 9)
    if kind <= 5:
        return d.integer(1, 9)
    if kind == 6:
        return d.integer(10, 2**20)
    if kind == 7:
        return d.integer(2**20, INT64_MAX)
    return d.choice([0, -1, 2**63, 2**64 + 3, 2.0, 2.5, float("inf"), True, "2", np.int64(3), np.float32(4)])


def _cropping(d: Decoder, filter_size: int, stride):
    kind = d.integer(0, 9)
    if kind <= 2:
        return d.integer(0, 4)
    if kind <= 4:
        return [d.integer(0, 6), d.integer(0, 6)]
    if kind == 5:
        return d.choice(["same", "SAME", "Same"])
    if kind == 6 and isinstance(stride, int) and stride > 0:
        # near the ends of a long full length: a small window anywhere
        return [d.integer(0, max(0, stride * 3)), d.integer(0, max(0, stride * 3))]
    if kind == 7:
        return [d.integer(0, INT64_MAX), d.integer(0, INT64_MAX)]
    return d.choice(
        [
            -1,
            [1, -2],
            [1, 2, 3],
            "valid",
            2.5,
            np.array([[1], [1]]),
            np.array([2, 1]),
            (3, 0),
            None,
            [2**63, 0],
            float("nan"),
        ]
    )


FORMATS = {
    3: ["BCT", "CBT", "SCB", "TCB", "SBC", "BTC", "SCT", "CST"],
    2: ["CT", "SC", "TC", "CS"],
    4: ["SCBT", "BTCS", "TSCB"],
}
ALL_FORMATS = [fmt for group in FORMATS.values() for fmt in group]
BAD_FORMATS = ["BCU", "SSC", "BCB", "\u017fCB", "bcx", "B C", "", "SCBTX", "BCT" * 2000]


def _layout(d: Decoder, array: np.ndarray) -> np.ndarray:
    """The same values in a memory layout drawn from the bytes."""
    kind = d.integer(0, 7)
    if kind == 1 and array.ndim >= 2:
        return np.asfortranarray(array)
    if kind == 2:
        return np.flip(np.flip(array).copy())  # negative strides
    if kind == 3:
        return array.astype(array.dtype.newbyteorder(">"))
    if kind == 4:
        raw = np.zeros(array.nbytes + 1, np.uint8)
        view = np.frombuffer(raw.data, array.dtype, array.size, 1).reshape(array.shape)
        view[...] = array
        return view
    if kind == 5:
        return np.repeat(array, 2, axis=-1)[..., ::2]  # strided view of a bigger array
    if kind == 6:
        copy = array.copy()
        copy.flags.writeable = False
        return copy
    return array


def _values(d: Decoder, shape, dtype) -> np.ndarray:
    rng = np.random.default_rng(d.integer(0, 2**16))
    values = rng.standard_normal(shape)
    if np.dtype(dtype).kind not in "fc":
        return np.round(values * 4).astype(dtype)
    if values.size and d.integer(0, 15) == 0:
        values.flat[d.integer(0, values.size - 1)] = d.choice([np.nan, np.inf, -np.inf])
    return values.astype(dtype)


def _to_bct(array: np.ndarray, labels: str) -> np.ndarray:
    """(N, C, L) view of an array in a format, written here from SPEC R4."""
    labels = labels.upper()
    spatial = "S" if "S" in labels else "T"
    batch = [i for i, label in enumerate(labels) if label in "BT" and label != spatial]
    order = [*batch, labels.index("C"), labels.index(spatial)]
    moved = np.transpose(array, order)
    return moved.reshape((-1, *moved.shape[len(batch) :]))


def _integral(value):
    """The integer an integer-valued argument stands for (R1.1), else None."""
    if isinstance(value, (bool, np.bool_, str)):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if not np.isfinite(number) or number != int(number):
        return None
    return int(value) if isinstance(value, (int, np.integer)) else int(number)


def _crop_pair(cropping):
    """(left, right) or 'same' per R2, or None when the cropping is not valid."""
    if isinstance(cropping, str):
        return "same" if cropping.lower() == "same" else None
    if isinstance(cropping, (list, tuple)) or (isinstance(cropping, np.ndarray) and cropping.ndim == 1):
        if len(cropping) != 2:
            return None
        pair = [_integral(v) for v in cropping]
    elif isinstance(cropping, np.ndarray) and cropping.ndim > 1:
        return None
    else:
        pair = [_integral(cropping)] * 2
    if any(v is None or v < 0 or v > INT64_MAX for v in pair):
        return None
    return pair


def _output_size(length: int, filter_size: int, stride, cropping) -> int | None:
    """Exact output length per R2, or None when the arguments are not valid."""
    stride = _integral(stride)
    crop = _crop_pair(cropping)
    if stride is None or not 1 <= stride <= INT64_MAX or crop is None:
        return None
    full = (length - 1) * stride + filter_size
    if full > INT64_MAX:
        return None
    if crop == "same":
        return None if length * stride > INT64_MAX else length * stride
    return full - crop[0] - crop[1]


def one_input(data: bytes) -> None:
    with np.errstate(all="ignore"):  # Inf - Inf in the oracle is expected, not a finding
        _one_input(data)


def _one_input(data: bytes) -> None:
    d = Decoder(data)
    entry = d.choice(["forward", "backward", "layer", "output_length"])
    dtype = d.choice([np.float32, np.float64, np.float32, np.float64, np.float16, np.int32, np.complex64])
    ndim = d.choice([3, 3, 3, 2, 4])
    fmt = d.choice(FORMATS[ndim]) if d.integer(0, 9) else d.choice(BAD_FORMATS)
    batch, channels, filters = d.integer(0, 3), d.integer(1, 4), d.integer(1, 4)
    filter_size, length = d.integer(1, 9), d.integer(0, 12)
    stride = _stride(d)
    cropping = _cropping(d, filter_size, stride)
    with_bias = d.integer(0, 1) == 1

    if entry == "output_length":
        _expect(lambda: tconv1d.output_length(length, filter_size, stride, cropping))
        return

    # The data array in the drawn format: sizes by role, extra batch axis of 2.
    sizes = {"C": channels, "B": batch, "S": length, "T": length}
    labels = fmt.upper() if fmt in ALL_FORMATS else "BCT"[:ndim] if ndim <= 3 else "SCBT"
    if "S" in labels and "T" in labels:
        sizes["T"] = 2
    shape = tuple(sizes.get(label, 1) for label in labels)
    if len(shape) != ndim:
        shape = (batch, channels, length)
    x = _values(d, shape, dtype)
    w = _values(d, (filter_size, filters, channels), dtype if d.integer(0, 3) else np.float64)
    b = _values(d, (filters,), dtype) if with_bias else None

    valid = (
        fmt in ALL_FORMATS
        and len(shape) == len(fmt)
        and length >= 1
        and np.dtype(dtype) in (np.dtype(np.float32), np.dtype(np.float64))
    )
    out_length = _output_size(length, filter_size, stride, cropping) if valid else None
    if out_length is not None:
        if out_length < 1:
            out_length = None
        elif x.size == 0 and out_length * filters > MAX_ELEMENTS:
            return  # an empty batch with a huge length: dy could not even be drawn
        elif out_length * filters * (x.size // (channels * length)) > MAX_ELEMENTS:
            if out_length * filters * (x.size // (channels * length)) * 8 < IMPOSSIBLE_BYTES:
                return  # possible but slow: not this harness's business
            out_length = None  # must raise MemoryError/OverflowError

    x, w = _layout(d, x), _layout(d, w)
    kept = [a.copy() for a in (x, w) + ((b,) if b is not None else ())]

    if entry == "forward":
        result = _expect(lambda: tconv1d.transposed_conv1d(x, w, b, stride=stride, cropping=cropping, fmt=fmt))
        if result is not None:
            assert out_length is not None, "accepted arguments the spec refuses"
            args = (_to_bct(x, fmt), w, b)
            want = oracles.forward_gather(*args, _integral(stride), _oracle_crop(cropping))
            bound = oracles.forward_gather(*_magnitudes(args), _integral(stride), _oracle_crop(cropping))
            _compare(_to_bct(result, fmt), want, bound, x.dtype)
    elif entry == "backward":
        y_shape = list(shape)
        if out_length is not None:
            y_shape[labels.index("C")] = filters
            y_shape[labels.index("S" if "S" in labels else "T")] = out_length
        dy = _layout(d, _values(d, tuple(y_shape), dtype))
        kept.append(dy.copy())
        result = _expect(
            lambda: tconv1d.transposed_conv1d_backward(x, w, dy, stride=stride, cropping=cropping, fmt=fmt)
        )
        if result is not None:
            assert out_length is not None, "accepted arguments the spec refuses"
            args = (_to_bct(x, fmt), w, _to_bct(dy, fmt))
            want = oracles.backward_gather(*args, _integral(stride), _oracle_crop(cropping))
            bound = oracles.backward_gather(*_magnitudes(args), _integral(stride), _oracle_crop(cropping))
            _compare(_to_bct(result[0], fmt), want[0], bound[0], x.dtype)
            _compare(result[1], want[1], bound[1], x.dtype)
            _compare(result[2], want[2], bound[2], x.dtype)
    else:
        layer = _expect(
            lambda: tconv1d.transposed_conv1d_layer(
                filter_size, filters, Stride=stride, Cropping=cropping, Weights=w, Bias=b
            )
        )
        if layer is not None:
            layer_fmt = fmt if len(fmt) == ndim else "CBT"
            if _possible_but_slow(x, layer_fmt, filters, filter_size, stride, cropping):
                return
            _expect(lambda: layer.predict(x, fmt=layer_fmt))
    for before, now in zip(kept, (x, w) + ((b,) if b is not None else ()) + ((dy,) if entry == "backward" else ())):
        assert before.dtype == now.dtype and np.array_equal(before, now, equal_nan=True), "an input was modified"


def _possible_but_slow(x, fmt: str, filters: int, filter_size: int, stride, cropping) -> bool:
    """Whether the layer's output in `fmt` would exceed MAX_ELEMENTS yet could exist.

    The guard before the entries covers the drawn format only; a layer called
    with a bad drawn format predicts in "CBT" (a 2**28 stride and three samples
    asked for 18 GB, past the fuzzer's memory limit).
    """
    labels = fmt.upper()
    if fmt not in ALL_FORMATS or len(labels) != x.ndim or x.size == 0:
        return False
    spatial, channel = labels.index("S" if "S" in labels else "T"), labels.index("C")
    out_length = _output_size(int(x.shape[spatial]), filter_size, stride, cropping)
    if out_length is None or out_length < 1:
        return False
    elements = out_length * filters * (x.size // (x.shape[channel] * x.shape[spatial]))
    return elements > MAX_ELEMENTS and elements * 8 < IMPOSSIBLE_BYTES


def _oracle_crop(cropping):
    crop = _crop_pair(cropping)
    return "same" if crop == "same" else crop


def _expect(call):
    """The call's result, or None after a documented exception with a proper message."""
    try:
        return call()
    except DOCUMENTED as error:
        message = str(error)
        if not message or len(message) >= 2000:
            raise AssertionError(f"{type(error).__name__} with a message of {len(message)} characters") from None
        return None


def _magnitudes(arrays):
    """The same arguments with every value replaced by its magnitude (None stays None)."""
    return tuple(None if a is None else np.abs(np.asarray(a, dtype=np.float64)) for a in arrays)


def _compare(got, want, bound, dtype) -> None:
    """`got` within rounding of `want`, relative to `bound`: the oracle run on magnitudes.

    A sum whose terms cancel (a bias gradient of 50 terms of size ~1 adding up to
    3e-4) is exact only to the size of its terms, whatever the order of the
    additions, so the error is measured against the sum of |terms| (the classical
    bound for a sum in floating point), not against the small result.
    """
    got = np.asarray(got)
    if not (np.all(np.isfinite(want)) and np.all(np.isfinite(got)) and np.all(np.isfinite(bound))):
        return  # R3.6's NaN positions are checked by tests/test_nonfinite.py
    assert got.shape == want.shape, (got.shape, want.shape)
    error = oracles.relative_error(got, want, scale=bound)
    assert error < oracles.TOLERANCE[np.dtype(dtype).newbyteorder("=")], f"relative error {error}"
