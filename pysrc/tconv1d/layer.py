"""The layer object (SPEC R1, R5, R6): properties with validation, the vendor's
text display, initialization, and predict/backward over the functional API.

Conventions that the vendor's documentation leaves to the host language:

- An empty learnable parameter (MATLAB's ``[]``) reads as ``None``; assigning
  ``None`` or any empty array empties it again.
- Weights and Bias are stored as copies of what was assigned, in the dtype
  given (float32 or float64): later changes to the caller's array do not reach
  the layer, and the layer never writes into the caller's array. Reading the
  property returns the stored array itself, not a fresh copy. Bias given as
  ``(NumFilters,)`` is stored as ``(1, NumFilters)``.
- NumChannels ``'auto'``: while Weights are empty it reads ``'auto'``; once
  Weights exist it reads their third size. An explicit NumChannels is fixed at
  construction and Weights of another channel count are rejected.
- CroppingSize with ``Cropping="same"`` reads ``[0, 0]`` until an input length
  has been seen by ``predict``/``backward``, then the ``[l r]`` pair resolved
  by R2.3 (``[0, 0]`` too when FilterSize < Stride: that case extends instead).
- ``backward`` returns ``dbias`` in the Bias property's shape ``(1, NumFilters)``
  and ``dweights`` in the Weights' shape; both in the input's dtype.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from . import _core, backend, interop
from .aliases import CroppingLike, FloatArray, IntegerLike, ScalarLike
from .arguments import Cropping, as_cropping, as_integer, as_nonnegative_scalar, match_choice
from .formats import parse_format
from .functional import resolve_geometry, transposed_conv1d, transposed_conv1d_backward
from .initializers import (
    BIAS_INITIALIZERS,
    WEIGHTS_INITIALIZERS,
    Initializer,
    as_generator,
    as_initializer,
    as_parameter_array,
    as_parameter_dtype,
    initial_bias,
    initial_weights,
)
from .options import parse_options
from .stream import TransposedConv1dStream

_DTYPE_WORDS = {np.dtype(np.float32): "single", np.dtype(np.float64): "double"}

# Filling empty parameters is check-then-set: threads sharing a layer take this
# lock for it, so exactly one fills them and every call sees the same ones.
# One lock for all layers (it is held only while parameters are drawn, at the
# first use) keeps layers picklable.
_FILL_LOCK = threading.Lock()


def _is_empty(value: npt.ArrayLike | None) -> bool:
    if value is None:
        return True
    size = getattr(value, "size", None)
    if size is None:
        size = np.size(value)
    return size == 0


def _size_text(shape: Sequence[int]) -> str:
    return "×".join(str(n) for n in shape)


class TransposedConvolution1DLayer:
    """A 1-D transposed convolution layer; build it with :func:`transposed_conv1d_layer`."""

    __slots__ = (
        "_bias",
        "_bias_initializer",
        "_bias_l2_factor",
        "_bias_learn_rate_factor",
        "_cropping",
        "_explicit_channels",
        "_filter_size",
        "_name",
        "_num_filters",
        "_resolved_crop",
        "_stride",
        "_weight_l2_factor",
        "_weight_learn_rate_factor",
        "_weights",
        "_weights_initializer",
    )

    _filter_size: int
    _num_filters: int
    _stride: int
    _cropping: Cropping
    _resolved_crop: tuple[int, int] | None
    _explicit_channels: int | None
    _weights: FloatArray | None
    _bias: FloatArray | None
    _weights_initializer: Initializer
    _bias_initializer: Initializer
    _weight_learn_rate_factor: float
    _bias_learn_rate_factor: float
    _weight_l2_factor: float
    _bias_l2_factor: float
    _name: str

    def __init__(self, filter_size: IntegerLike, num_filters: IntegerLike, **options: object) -> None:
        opts = parse_options(options)
        self._filter_size = as_integer(filter_size, "filter_size")
        self._num_filters = as_integer(num_filters, "num_filters")
        self._explicit_channels = None
        self._weights = None
        self._bias = None
        self._resolved_crop = None
        self.stride = opts.get("stride", 1)
        self.cropping = opts.get("cropping", 0)
        self._explicit_channels = self._parse_num_channels(opts.get("num_channels", "auto"))
        self.weights_initializer = opts.get("weights_initializer", "glorot")
        self.bias_initializer = opts.get("bias_initializer", "zeros")
        self.weights = opts.get("weights")
        self.bias = opts.get("bias")
        self.weight_learn_rate_factor = opts.get("weight_learn_rate_factor", 1)
        self.bias_learn_rate_factor = opts.get("bias_learn_rate_factor", 1)
        self.weight_l2_factor = opts.get("weight_l2_factor", 1)
        self.bias_l2_factor = opts.get("bias_l2_factor", 0)
        self.name = opts.get("name", "")

    # --- hyperparameters -------------------------------------------------------

    @property
    def filter_size(self) -> int:
        """FilterSize: length of the filters (read-only after construction)."""
        return self._filter_size

    @filter_size.setter
    def filter_size(self, value: object) -> None:
        raise AttributeError("FilterSize (filter_size) is read-only after construction; create a new layer")

    @property
    def num_filters(self) -> int:
        """NumFilters: the number of output channels (read-only after construction)."""
        return self._num_filters

    @num_filters.setter
    def num_filters(self, value: object) -> None:
        raise AttributeError("NumFilters (num_filters) is read-only after construction; create a new layer")

    @property
    def num_channels(self) -> int | str:
        """NumChannels: ``'auto'`` until known, else the input channel count."""
        if self._explicit_channels is not None:
            return self._explicit_channels
        if self._weights is not None:
            return int(self._weights.shape[2])
        return "auto"

    @num_channels.setter
    def num_channels(self, value: object) -> None:
        raise AttributeError(
            "NumChannels (num_channels) is set at construction or taken from the Weights or the first input; "
            "it cannot be assigned"
        )

    @staticmethod
    def _parse_num_channels(value: Any) -> int | None:
        if isinstance(value, str):
            match_choice(value, "NumChannels", ("auto",))
            return None
        return as_integer(value, "NumChannels")

    def _known_channels(self) -> int | None:
        channels = self.num_channels
        return channels if isinstance(channels, int) else None

    @property
    def stride(self) -> int:
        """Stride: the upsampling factor."""
        return self._stride

    @stride.setter
    def stride(self, value: IntegerLike) -> None:
        self._stride = as_integer(value, "Stride")

    @property
    def cropping(self) -> str | list[int]:
        """Cropping as given: ``'same'`` or the ``[l, r]`` pair (assigning it re-derives CroppingMode)."""
        return "same" if self._cropping.same else [self._cropping.left, self._cropping.right]

    @cropping.setter
    def cropping(self, value: CroppingLike) -> None:
        self._cropping = as_cropping(value, "Cropping")
        self._resolved_crop = None

    @property
    def cropping_mode(self) -> str:
        """CroppingMode: ``'manual'`` for numeric Cropping, ``'same'`` for ``"same"``."""
        return self._cropping.mode

    @property
    def cropping_size(self) -> list[int]:
        """CroppingSize ``[l, r]``; for 'same', ``[0, 0]`` until an input length was seen."""
        if not self._cropping.same:
            return [self._cropping.left, self._cropping.right]
        return list(self._resolved_crop) if self._resolved_crop is not None else [0, 0]

    # --- learnable parameters ----------------------------------------------------

    @property
    def weights(self) -> FloatArray | None:
        """Weights: FilterSize × NumFilters × NumChannels, float32 or float64; None when empty."""
        return self._weights

    @weights.setter
    def weights(self, value: npt.ArrayLike | None) -> None:
        if _is_empty(value):
            self._weights = None
            return
        array = as_parameter_array(value, "Weights")
        channels = self._explicit_channels
        expected = f"{self._filter_size}×{self._num_filters}×{channels if channels is not None else 'NumChannels'}"
        if array.ndim != 3 or array.shape[:2] != (self._filter_size, self._num_filters):
            raise ValueError(
                f"Weights must be of size FilterSize×NumFilters×NumChannels = {expected}, "
                f"got {_size_text(array.shape) or 'a scalar'}"
            )
        if channels is not None and array.shape[2] != channels:
            raise ValueError(
                f"Weights have {array.shape[2]} channels (size {_size_text(array.shape)}) but the layer's "
                f"NumChannels is {channels}; expected size {expected}"
            )
        self._weights = np.array(array, copy=True)

    @property
    def bias(self) -> FloatArray | None:
        """Bias: 1 × NumFilters, float32 or float64; None when empty."""
        return self._bias

    @bias.setter
    def bias(self, value: npt.ArrayLike | None) -> None:
        if _is_empty(value):
            self._bias = None
            return
        array = as_parameter_array(value, "Bias")
        if array.shape not in ((1, self._num_filters), (self._num_filters,)):
            raise ValueError(
                f"Bias must be of size 1×NumFilters = 1×{self._num_filters}, "
                f"got {_size_text(array.shape) or 'a scalar'}"
            )
        self._bias = np.array(array, copy=True).reshape(1, self._num_filters)

    @property
    def weights_initializer(self) -> Initializer:
        """WeightsInitializer: 'glorot', 'he', 'narrownormal', 'zeros', 'ones' or a callable f(sz)."""
        return self._weights_initializer

    @weights_initializer.setter
    def weights_initializer(self, value: Initializer) -> None:
        self._weights_initializer = as_initializer(value, "WeightsInitializer", WEIGHTS_INITIALIZERS)

    @property
    def bias_initializer(self) -> Initializer:
        """BiasInitializer: 'zeros', 'narrownormal', 'ones' or a callable f(sz)."""
        return self._bias_initializer

    @bias_initializer.setter
    def bias_initializer(self, value: Initializer) -> None:
        self._bias_initializer = as_initializer(value, "BiasInitializer", BIAS_INITIALIZERS)

    # --- factors (R6) --------------------------------------------------------------

    @property
    def weight_learn_rate_factor(self) -> float:
        return self._weight_learn_rate_factor

    @weight_learn_rate_factor.setter
    def weight_learn_rate_factor(self, value: ScalarLike) -> None:
        self._weight_learn_rate_factor = as_nonnegative_scalar(value, "WeightLearnRateFactor")

    @property
    def bias_learn_rate_factor(self) -> float:
        return self._bias_learn_rate_factor

    @bias_learn_rate_factor.setter
    def bias_learn_rate_factor(self, value: ScalarLike) -> None:
        self._bias_learn_rate_factor = as_nonnegative_scalar(value, "BiasLearnRateFactor")

    @property
    def weight_l2_factor(self) -> float:
        return self._weight_l2_factor

    @weight_l2_factor.setter
    def weight_l2_factor(self, value: ScalarLike) -> None:
        self._weight_l2_factor = as_nonnegative_scalar(value, "WeightL2Factor")

    @property
    def bias_l2_factor(self) -> float:
        return self._bias_l2_factor

    @bias_l2_factor.setter
    def bias_l2_factor(self, value: ScalarLike) -> None:
        self._bias_l2_factor = as_nonnegative_scalar(value, "BiasL2Factor")

    def learn_rates(self, global_lr: ScalarLike) -> tuple[float, float]:
        """Effective learning rates (R6.1): ``(global_lr·WeightLearnRateFactor, global_lr·BiasLearnRateFactor)``."""
        lr = as_nonnegative_scalar(global_lr, "global_lr")
        return lr * self._weight_learn_rate_factor, lr * self._bias_learn_rate_factor

    def l2_gradients(self, global_l2: ScalarLike) -> tuple[FloatArray, FloatArray]:
        """The L2 terms to add to the gradients (R6.2): ``global_l2·WeightL2Factor·W``, ``global_l2·BiasL2Factor·b``."""
        l2 = as_nonnegative_scalar(global_l2, "global_l2")
        if self._weights is None or self._bias is None:
            raise ValueError("l2_gradients needs initialized Weights and Bias; call initialize() or predict() first")
        return (
            (l2 * self._weight_l2_factor) * self._weights,
            (l2 * self._bias_l2_factor) * self._bias,
        )

    # --- name ------------------------------------------------------------------------

    @property
    def name(self) -> str:
        """Name: the layer name ('' by default)."""
        return self._name

    @name.setter
    def name(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError(f"Name must be a string, got {type(value).__name__} {value!r}")
        self._name = str(value)

    # --- initialization (R5) ----------------------------------------------------------

    def initialize(
        self,
        num_channels: IntegerLike | None = None,
        seed: int | np.integer[Any] | np.random.Generator | None = None,
        dtype: npt.DTypeLike = np.float32,
    ) -> TransposedConvolution1DLayer:
        """Fill the empty learnable parameters from their initializers; returns the layer.

        ``num_channels`` is needed when NumChannels is 'auto' and Weights are
        empty. ``seed`` is an integer or a ``numpy.random.Generator``; the same
        seed gives the same parameters on every machine. Parameters already set
        are left as they are. Nothing changes if any step fails.
        """
        dtype = as_parameter_dtype(dtype)
        known = self._known_channels()
        channels: int | None
        if num_channels is not None:
            channels = as_integer(num_channels, "num_channels")
            if known is not None and channels != known:
                raise ValueError(f"num_channels = {channels} conflicts with the layer's NumChannels = {known}")
        else:
            channels = known
        if self._weights is None and channels is None:
            raise ValueError(
                "NumChannels is 'auto' and Weights are empty: pass num_channels to initialize(), "
                "or call predict(), which takes it from the input"
            )
        with _FILL_LOCK:
            self._fill_empty(channels, as_generator(seed), dtype)
        return self

    def _fill_empty(
        self, channels: int | None, rng: np.random.Generator, dtype: np.dtype[np.floating]
    ) -> tuple[FloatArray, FloatArray]:
        """Fills whichever of Weights and Bias is empty; returns both. Callers hold _FILL_LOCK.

        Both are computed before either is stored, so a failing initializer
        leaves the layer unchanged.
        """
        weights, bias = self._weights, self._bias
        if weights is None:
            if channels is None:
                raise ValueError("NumChannels is 'auto' and Weights are empty: the channel count is needed")
            weights = initial_weights(
                self._weights_initializer, self._filter_size, self._num_filters, channels, rng, dtype
            )
        if bias is None:
            bias = initial_bias(self._bias_initializer, self._num_filters, rng, dtype)
        self._weights, self._bias = weights, bias
        return weights, bias

    def _filled_parameters(self, channels: int) -> tuple[FloatArray, FloatArray]:
        """Weights and Bias for a forward pass, filled first if either is empty (R5)."""
        weights, bias = self._weights, self._bias
        if weights is not None and bias is not None:
            return weights, bias
        with _FILL_LOCK:  # under the lock, whatever another thread filled meanwhile is kept
            return self._fill_empty(channels, as_generator(None), np.dtype(np.float32))

    # --- computation --------------------------------------------------------------------

    def _prepare(self, x: npt.ArrayLike, fmt: str) -> tuple[npt.ArrayLike, int, _core.Geometry]:
        """Validate an input against the layer (R3.4, R4, R4.4, R2) before any state changes."""
        # Device arrays (CuPy's, CUDA tensors) stay on their device; host arrays
        # of any library are read as NumPy arrays, without a copy (interop.py).
        array: Any = x if backend.for_arrays(x=x) is not None else np.asarray(interop.to_host(x, "x"))
        as_parameter_dtype(array.dtype, "x")
        shape = tuple(array.shape)
        fmt_ = parse_format(fmt, len(shape))
        channels = int(shape[fmt_.channel_axis])
        known = self._known_channels()
        if known is not None and channels != known:
            raise ValueError(
                f"x has {channels} channels (axis {fmt_.channel_axis} of format {fmt_.labels!r}) "
                f"but the layer's NumChannels is {known}"
            )
        geometry = resolve_geometry(shape[fmt_.spatial_axis], self._filter_size, self._stride, self._cropping)
        return array, channels, geometry

    def _remember_crop(self, geometry: _core.Geometry) -> None:
        if self._cropping.same:
            self._resolved_crop = (int(geometry.crop_left), int(geometry.crop_right))

    def predict(self, x: npt.ArrayLike, fmt: str = "CBT") -> FloatArray:
        """Forward pass (R3.1) of ``x`` in format ``fmt``; output in the same format and dtype.

        On the first call with empty parameters they are initialized (float32,
        fresh random state; call ``initialize(seed=...)`` first for
        reproducible weights), NumChannels 'auto' being taken from ``x``.
        """
        original = x
        x, channels, geometry = self._prepare(x, fmt)
        weights, bias = self._filled_parameters(channels)
        y = transposed_conv1d(x, weights, bias, stride=self._stride, cropping=self._cropping, fmt=fmt)
        self._remember_crop(geometry)
        return cast(FloatArray, interop.like(original, y) if isinstance(y, np.ndarray) else y)

    def backward(
        self, x: npt.ArrayLike, dy: npt.ArrayLike, fmt: str = "CBT"
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Gradients (R3.3) ``(dx, dweights, dbias)`` given ``dy`` of the output's shape.

        ``dx`` has ``x``'s shape, ``dweights`` the Weights' shape
        FilterSize×NumFilters×NumChannels, ``dbias`` the Bias property's shape
        1×NumFilters; all in ``x``'s dtype. No L2 terms (see ``l2_gradients``).
        """
        original = x
        x, _, geometry = self._prepare(x, fmt)
        if self._weights is None:
            raise ValueError("backward needs Weights; call initialize() or predict() first")
        dx, dweights, dbias = transposed_conv1d_backward(
            x, self._weights, dy, stride=self._stride, cropping=self._cropping, fmt=fmt
        )
        self._remember_crop(geometry)
        grads: tuple[Any, ...] = (dx, dweights, dbias.reshape(1, self._num_filters))
        # Host results in the caller's array type; device results are already its.
        return cast(
            "tuple[FloatArray, FloatArray, FloatArray]",
            tuple(interop.like(original, g) if isinstance(g, np.ndarray) else g for g in grads),
        )

    def stream(self, fmt: str = "CBT") -> TransposedConv1dStream:
        """A stream computing ``predict`` of a signal given chunk by chunk (SPEC R13).

        The stream takes the layer's parameters as they are at its first push (empty
        ones filled as the first ``predict`` would, R5, NumChannels 'auto' taken from
        that chunk) and keeps them: later changes to the layer do not reach it.
        """

        def parameters(channels: int) -> tuple[FloatArray, FloatArray]:
            known = self._known_channels()
            if known is not None and channels != known:
                raise ValueError(f"chunk has {channels} channels but the layer's NumChannels is {known}")
            return self._filled_parameters(channels)

        return TransposedConv1dStream(parameters, stride=self._stride, cropping=self._cropping, fmt=fmt)

    def to_onnx(self, path: str | os.PathLike[str] | None, fmt: str = "CBT") -> Any:
        """Writes the layer as an ONNX model that maps ``x`` to ``predict(x, fmt)`` (SPEC R10).

        The model takes and returns arrays in format ``fmt`` with symbolic batch
        and length, in the Weights' dtype; it is saved to ``path`` (when not
        None) and returned as an ``onnx.ModelProto``. Needs the ``onnx``
        package and initialized Weights (``initialize(num_channels=...)``).
        """
        if self._weights is None:
            raise ValueError("to_onnx needs Weights; call initialize(num_channels=...) or predict() first")
        from .onnx_export import transposed_conv1d_to_onnx

        # An empty Bias is filled as the next predict() would fill it (R5), so the model equals it.
        weights, bias = self._filled_parameters(int(self._weights.shape[2]))
        return transposed_conv1d_to_onnx(path, weights, bias, stride=self._stride, cropping=self._cropping, fmt=fmt)

    # --- display (R1.4) -------------------------------------------------------------------

    def properties(self) -> dict[str, object]:
        """All properties, snake_case name -> current value, in the vendor's order."""
        return {
            "name": self.name,
            "filter_size": self.filter_size,
            "num_channels": self.num_channels,
            "num_filters": self.num_filters,
            "stride": self.stride,
            "cropping_mode": self.cropping_mode,
            "cropping_size": self.cropping_size,
            "weights": self.weights,
            "bias": self.bias,
            "weights_initializer": self.weights_initializer,
            "bias_initializer": self.bias_initializer,
            "weight_learn_rate_factor": self.weight_learn_rate_factor,
            "bias_learn_rate_factor": self.bias_learn_rate_factor,
            "weight_l2_factor": self.weight_l2_factor,
            "bias_l2_factor": self.bias_l2_factor,
        }

    @staticmethod
    def _array_text(array: FloatArray | None) -> str:
        if array is None:
            return "[]"
        return f"{_size_text(array.shape)} {_DTYPE_WORDS[np.dtype(array.dtype)]}"

    def __repr__(self) -> str:
        channels = self.num_channels
        left, right = self.cropping_size
        groups = [
            # A quote inside the name is doubled, as MATLAB writes a char vector.
            (None, [("Name", "'" + self._name.replace("'", "''") + "'")]),
            (
                "Hyperparameters",
                [
                    ("FilterSize", str(self._filter_size)),
                    ("NumChannels", "'auto'" if channels == "auto" else str(channels)),
                    ("NumFilters", str(self._num_filters)),
                    ("Stride", str(self._stride)),
                    ("CroppingMode", f"'{self.cropping_mode}'"),
                    ("CroppingSize", f"[{left} {right}]"),
                ],
            ),
            (
                "Learnable Parameters",
                [("Weights", self._array_text(self._weights)), ("Bias", self._array_text(self._bias))],
            ),
        ]
        # As MATLAB does, every property name is right-aligned to one column across the groups.
        width = 2 + max(len(key) for _, rows in groups for key, _ in rows)
        lines = ["TransposedConvolution1DLayer with properties:", ""]
        for title, rows in groups:
            if title is not None:
                lines.append(f"   {title}")
            lines.extend(f"{key:>{width}}: {value}" for key, value in rows)
            lines.append("")
        lines.append("  Use properties method to see a list of all properties.")
        return "\n".join(lines)

    __str__ = __repr__


def transposed_conv1d_layer(
    filter_size: IntegerLike, num_filters: IntegerLike, **options: object
) -> TransposedConvolution1DLayer:
    """Create a 1-D transposed convolution layer (R1).

    Options (vendor spelling or snake_case, case-insensitive, R1.2): Stride,
    Cropping, NumChannels, WeightsInitializer, BiasInitializer, Weights, Bias,
    WeightLearnRateFactor, BiasLearnRateFactor, WeightL2Factor, BiasL2Factor,
    Name.

    >>> layer = transposed_conv1d_layer(11, 96, Stride=4)
    >>> layer.stride, layer.num_channels, layer.cropping_size
    (4, 'auto', [0, 0])
    """
    return TransposedConvolution1DLayer(filter_size, num_filters, **options)
