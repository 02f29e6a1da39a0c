"""Streaming (SPEC R13): upsample an unbounded signal chunk by chunk.

``push(chunk)`` takes the next input samples and returns the outputs that no
later sample can change; ``flush()`` returns the rest. Concatenated along the
upsampled axis, the outputs equal ``transposed_conv1d`` of the whole signal
(within R3.5; see R13.2 for why not always bit for bit). The bookkeeping lives
in the C++ library (``tconv1d::Stream``); this module checks the chunks and
arranges their formats.
"""

from __future__ import annotations

from typing import Callable, Union

import numpy as np
import numpy.typing as npt

from . import _core
from .aliases import CroppingLike, FloatArray, IntegerLike
from .arguments import Cropping, as_cropping, as_integer
from .arrays import allocate
from .formats import Format, check_channels, parse_format
from .functional import as_bias, as_data, as_weights

#: Weights and Bias for a channel count (a layer fills empty ones at the first push, R5).
ParameterSource = Callable[[int], "tuple[FloatArray, FloatArray | None]"]
_CoreStream = Union[_core.StreamFloat32, _core.StreamFloat64]


class TransposedConv1dStream:
    """The forward pass of one signal, chunk by chunk (SPEC R13).

    Made by :func:`transposed_conv1d_stream` or ``layer.stream(fmt)``. The
    format is fixed when the stream is made, the dtype, batch and channel sizes
    by the first chunk; every chunk is an array of that format with any number
    of samples along the upsampled axis. Between pushes the stream holds at
    most ``(F + max(0, r - F + S)) / S + 2`` samples per channel (R13.4),
    whatever the signal's and the chunks' lengths. Results are NumPy arrays.
    """

    def __init__(
        self,
        parameters: ParameterSource | tuple[FloatArray, FloatArray | None],
        stride: IntegerLike = 1,
        cropping: CroppingLike = 0,
        fmt: str = "BCT",
    ) -> None:
        self._stride = as_integer(stride, "stride")
        self._cropping: Cropping = as_cropping(cropping)
        if not isinstance(fmt, str):
            raise TypeError(f"fmt must be a format string such as 'BCT', got {type(fmt).__name__}")
        self._format: Format = parse_format(fmt, len(fmt))
        self._spatial_axis = self._format.spatial_axis
        self._parameters = parameters
        self._core: _CoreStream | None = None
        self._dtype: np.dtype | None = None
        self._shape: tuple[int, ...] | None = None  # the first chunk's shape, upsampled axis excluded
        self._num_filters = 0
        self._channels = 0  # set by the first chunk, with the dtype and batch sizes
        self._closed = False
        if isinstance(parameters, tuple):
            self._num_filters = int(parameters[0].shape[1])

    # --- properties ---------------------------------------------------------------------

    @property
    def fmt(self) -> str:
        return self._format.labels

    @property
    def dtype(self) -> np.dtype | None:
        """The computation's dtype, set by the first chunk (None before it)."""
        return self._dtype

    @property
    def closed(self) -> bool:
        """True after flush(): nothing more can be pushed."""
        return self._closed

    @property
    def latency(self) -> int:
        """Output samples held back until the next push or flush (R13.3): ``floor((F - S)/2)``
        for 'same' with F >= S, ``max(0, F - S - r)`` for a manual crop [l r], else 0."""
        if self._core is not None:
            return int(self._core.latency)
        if not isinstance(self._parameters, tuple):
            raise ValueError("latency depends on FilterSize, unknown until the first push initializes the Weights")
        filter_size, crop, stride = int(self._parameters[0].shape[0]), self._cropping, self._stride
        if crop.same:
            return max(0, (filter_size - stride) // 2)
        return max(0, filter_size - stride - crop.right)

    @property
    def samples_pushed(self) -> int:
        return 0 if self._core is None else int(self._core.samples_pushed)

    @property
    def outputs_returned(self) -> int:
        return 0 if self._core is None else int(self._core.outputs_written)

    @property
    def samples_held(self) -> int:
        """Input samples the stream keeps now (R13.4)."""
        return 0 if self._core is None else int(self._core.samples_held)

    # --- the stream -----------------------------------------------------------------------

    def push(self, chunk: npt.ArrayLike) -> FloatArray:
        """The next samples in; the outputs now final out (possibly none), in the stream's format."""
        # The steady state first, in as few steps as it takes: a NumPy array like
        # the first chunk. A push runs between calls that sweep the caches, where
        # every Python step costs a miss or more (the general checks cost
        # ~80 us cold, a tenth of a 256-sample vocoder push); anything else takes
        # the general path, which converts or raises the precise error.
        core = self._core
        if core is not None and type(chunk) is np.ndarray and chunk.dtype is self._dtype and not self._closed:
            shape, axis = chunk.shape, self._spatial_axis
            if (
                len(shape) == self._format.ndim
                and shape[:axis] + shape[axis + 1 :] == self._shape
                and chunk.flags.aligned
            ):
                return self._push(core, chunk, int(shape[axis]))
        return self._push_general(chunk)

    def _push_general(self, chunk: npt.ArrayLike) -> FloatArray:
        if self._closed:
            raise ValueError("push after flush(): the stream is closed; make a new one for the next signal")
        x = as_data(chunk, "chunk")
        if x.ndim != self._format.ndim:
            raise ValueError(
                f"chunk: a {x.ndim}-d array does not match the stream's format {self._format.labels!r} "
                f"({self._format.ndim}-d)"
            )
        core = self._core if self._core is not None else self._start(x)
        self._check_chunk(x)
        return self._push(core, x, int(x.shape[self._spatial_axis]))

    def _push(self, core: _CoreStream, x: FloatArray, length: int) -> FloatArray:
        """Pushes a chunk already checked against the stream's format, dtype and sizes."""
        y = self._output(x.shape, core.outputs_for(length))
        core.push(self._format.canonical(x), self._format.canonical(y))
        return y

    def flush(self) -> FloatArray:
        """The end of the signal: every output not yet returned. Closes the stream.

        Raises what ``transposed_conv1d`` of the whole signal would: ValueError when no
        sample was pushed (R2.4) or the crop leaves no output (R2.2).
        """
        if self._closed:
            raise ValueError("flush() after flush(): the stream is already closed")
        self._closed = True
        if self._core is None or self._shape is None:
            raise ValueError("flush(): no samples were pushed (input length L = 0, R2.4)")
        shape = list(self._shape)
        shape.insert(self._format.spatial_axis, 0)
        y = self._output(tuple(shape), self._core.outputs_at_flush())
        self._core.flush(self._format.canonical(y))
        return y

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return (
            f"TransposedConv1dStream(fmt={self.fmt!r}, stride={self._stride}, cropping={self._cropping!r}, "
            f"dtype={self._dtype}, samples_pushed={self.samples_pushed}, {state})"
        )

    # --- helpers --------------------------------------------------------------------------

    def _start(self, x: FloatArray) -> _CoreStream:
        """The C++ stream, made at the first chunk: dtype, batch and channels come from it."""
        fmt_ = self._format
        channels = int(x.shape[fmt_.channel_axis])
        weights_in, bias_in = self._parameters if isinstance(self._parameters, tuple) else self._parameters(channels)
        weights = as_weights(weights_in, x.dtype)  # the core copies them: later changes don't leak in
        num_filters = int(weights.shape[1])
        check_channels(fmt_, x.shape, int(weights.shape[2]), "chunk")
        bias = as_bias(bias_in, num_filters, x.dtype)
        bias = None if bias is None else np.ascontiguousarray(bias)
        canonical = fmt_.canonical(x)
        kind = _core.StreamFloat32 if x.dtype == np.float32 else _core.StreamFloat64
        crop = self._cropping
        core = kind(
            weights,
            bias,
            self._stride,
            crop.same,
            crop.left,
            crop.right,
            int(canonical.shape[0]),
            int(canonical.shape[1]),
        )
        self._core, self._dtype, self._num_filters, self._channels = core, x.dtype, num_filters, channels
        self._shape = tuple(n for axis, n in enumerate(x.shape) if axis != fmt_.spatial_axis)
        return core

    def _check_chunk(self, x: FloatArray) -> None:
        if x.dtype != self._dtype:
            raise TypeError(
                f"chunk: dtype {x.dtype} differs from the stream's {self._dtype} (set by the first chunk); "
                "a stream computes in one dtype"
            )
        check_channels(self._format, x.shape, self._channels, "chunk")
        shape = tuple(n for axis, n in enumerate(x.shape) if axis != self._format.spatial_axis)
        if shape != self._shape:
            fmt_ = self._format
            expected = list(self._shape or ())
            expected.insert(fmt_.spatial_axis, -1)
            got = ", ".join("L" if axis == fmt_.spatial_axis else str(n) for axis, n in enumerate(x.shape))
            want = ", ".join("L" if n == -1 else str(n) for n in expected)
            raise ValueError(
                f"chunk: shape ({got}) differs from the stream's ({want}) in format {fmt_.labels!r}: "
                "batch and channel sizes are fixed by the first chunk"
            )

    def _output(self, like_shape: tuple[int, ...], count: int) -> FloatArray:
        assert self._dtype is not None
        return allocate(
            self._format.output_shape(like_shape, self._num_filters, count),
            self._dtype,
            "the stream's output",
            lambda: f"{count} output samples",
        )


def transposed_conv1d_stream(
    weights: npt.ArrayLike,
    bias: npt.ArrayLike | None = None,
    stride: IntegerLike = 1,
    cropping: CroppingLike = 0,
    fmt: str = "BCT",
) -> TransposedConv1dStream:
    """A stream computing ``transposed_conv1d(x, weights, bias, stride, cropping, fmt)`` of a
    signal ``x`` given chunk by chunk (SPEC R13). Weights and bias are copied now."""
    w = np.array(as_weights(weights), copy=True)
    b = None if bias is None else np.array(as_bias(bias, int(w.shape[1]), w.dtype), copy=True)
    return TransposedConv1dStream((w, b), stride=stride, cropping=cropping, fmt=fmt)
