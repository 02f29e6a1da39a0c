"""The operation as plain functions (SPEC R3): forward, the three gradients, and
the output length. Arrays may be NumPy arrays, anything NumPy can view, or (with
the GPU path) CuPy arrays.
"""

from __future__ import annotations

from typing import cast

import numpy as np
import numpy.typing as npt

from . import _core, backend, interop
from .aliases import CroppingLike, FloatArray, IntegerLike
from .arguments import Cropping, as_cropping, as_integer
from .arrays import CACHED_RESULT_BYTES, FLOAT32, FLOAT64, allocate, as_float_array
from .formats import Format, check_channels, parse_format


def resolve_geometry(
    length: IntegerLike, filter_size: IntegerLike, stride: IntegerLike, cropping: CroppingLike = 0
) -> _core.Geometry:
    """The resolved sizes of a call (R2): output length, [l r] crop, bias-only extension."""
    crop = as_cropping(cropping)
    return _core.resolve_geometry(
        as_integer(length, "length"),
        as_integer(filter_size, "filter_size"),
        as_integer(stride, "stride"),
        crop.same,
        crop.left,
        crop.right,
    )


def output_length(
    length: IntegerLike, filter_size: IntegerLike, stride: IntegerLike = 1, cropping: CroppingLike = 0
) -> int:
    """Output length along the upsampled axis (R2): ``(L-1)*S + F - l - r`` or ``L*S`` for 'same'."""
    return resolve_geometry(length, filter_size, stride, cropping).out_length


def as_data(x: npt.ArrayLike, name: str = "x", dtype: np.dtype[np.floating] | None = None) -> FloatArray:
    """A NumPy view of an input array (a copy only where arrays.py says); float32/float64 only (R3.4)."""
    return as_float_array(x, name, dtype)


def as_weights(weights: npt.ArrayLike, dtype: np.dtype[np.floating] | None = None, name: str = "weights") -> FloatArray:
    """Weights (FilterSize, NumFilters, NumChannels) in the computation's dtype (None: their own).

    Weights of the other float dtype are converted for the call (R3.4); the
    caller's array is never modified.
    """
    array = as_float_array(weights, name, dtype)
    if array.ndim != 3:
        raise ValueError(f"{name} must be a FilterSize x NumFilters x NumChannels array, got shape {array.shape}")
    if 0 in array.shape:
        raise ValueError(f"{name} must not be empty, got shape {array.shape}")
    return array


def as_bias(
    bias: npt.ArrayLike | None, num_filters: int, dtype: np.dtype[np.floating], name: str = "bias"
) -> FloatArray | None:
    """Bias as a (NumFilters,) view, from (NumFilters,) or (1, NumFilters); None stays None."""
    if bias is None:
        return None
    array = as_float_array(bias, name, dtype)
    if array.shape not in ((num_filters,), (1, num_filters)):
        raise ValueError(f"{name} must have shape ({num_filters},) or (1, {num_filters}), got {array.shape}")
    return array.reshape(num_filters)


def _prepare(
    x: npt.ArrayLike, weights: npt.ArrayLike, stride: IntegerLike, cropping: CroppingLike, fmt: str
) -> tuple[FloatArray, Format, FloatArray, _core.Geometry]:
    """What every pass validates first: data, format, weights, channels, geometry.

    Returns ``(x, fmt, weights, geometry)`` with ``x`` a float NumPy array and the
    weights in its dtype.
    """
    x = as_data(x)
    fmt_ = parse_format(fmt, x.ndim)
    w = as_weights(weights, x.dtype)
    filter_size, _, channels = w.shape
    stride = as_integer(stride, "stride")
    crop: Cropping = as_cropping(cropping)
    check_channels(fmt_, x.shape, channels)
    geometry = _core.resolve_geometry(x.shape[fmt_.spatial_axis], filter_size, stride, crop.same, crop.left, crop.right)
    return x, fmt_, w, geometry


# Geometries of recent plain calls (_plain_forward), by (L, F, stride, cropping
# as given); bounded, cleared when full.
_GEOMETRIES: dict[tuple[object, ...], _core.Geometry] = {}
_GEOMETRIES_KEPT = 256


def _plain_forward(
    x: object, weights: object, bias: object, stride: object, cropping: object, fmt: object
) -> FloatArray | None:
    """The forward of the common call (NumPy arrays of one native float dtype in
    the default format, a small output) in few steps; None for anything else,
    which takes the general path with its checks and messages.

    A small forward costs a few microseconds in C++; the general path's argument
    handling (array conversion, format parsing, cropping parsing, geometry)
    cost as much again, which decided whether a tiny layer beat ONNX Runtime.
    Here each check is one comparison on what the general path would accept
    without a copy, and the geometry of a (length, filter size, stride,
    cropping) seen before is reused: the result, and any error, is the general
    path's.
    """
    if type(x) is not np.ndarray or type(weights) is not np.ndarray or fmt != "BCT":
        return None
    dtype = x.dtype
    if (dtype is not FLOAT32 and dtype is not FLOAT64) or weights.dtype is not dtype:
        return None
    if bias is not None and (type(bias) is not np.ndarray or bias.dtype is not dtype or bias.ndim != 1):
        return None
    if x.ndim != 3 or weights.ndim != 3 or not (x.flags.aligned and weights.flags.aligned):
        return None
    if bias is not None and not bias.flags.aligned:
        return None
    batch, channels, length = x.shape
    filter_size, num_filters, weight_channels = weights.shape
    if channels != weight_channels or 0 in (batch, channels, filter_size, num_filters):
        return None
    if bias is not None and bias.shape[0] != num_filters:
        return None
    if type(stride) is not int:
        return None
    if type(cropping) is list or type(cropping) is tuple:
        if len(cropping) != 2 or type(cropping[0]) is not int or type(cropping[1]) is not int:
            return None
        crop_key: object = (cropping[0], cropping[1])
    elif type(cropping) is int or type(cropping) is str:
        crop_key = cropping
    else:
        return None
    key = (length, filter_size, stride, type(crop_key), crop_key)
    geometry = _GEOMETRIES.get(key)
    if geometry is None:
        try:
            geometry = resolve_geometry(length, filter_size, stride, cast(CroppingLike, cropping))
        except (TypeError, ValueError, OverflowError):
            return None  # the general path raises it, after its own checks of the arrays
        if len(_GEOMETRIES) >= _GEOMETRIES_KEPT:
            _GEOMETRIES.clear()
        _GEOMETRIES[key] = geometry
    if batch * num_filters * geometry.out_length * dtype.itemsize >= CACHED_RESULT_BYTES:
        return None  # large outputs come from the cached result memory (arrays.allocate)
    y = np.empty((batch, num_filters, geometry.out_length), dtype=dtype)
    _core.forward(x[None], weights, bias, geometry, y[None])
    return y


def transposed_conv1d(
    x: npt.ArrayLike,
    weights: npt.ArrayLike,
    bias: npt.ArrayLike | None = None,
    stride: IntegerLike = 1,
    cropping: CroppingLike = 0,
    fmt: str = "BCT",
) -> FloatArray:
    """Forward pass (R3.1): ``y = C^T x + b``, cropped per ``cropping``.

    ``weights`` is (FilterSize, NumFilters, NumChannels); ``bias`` is
    (NumFilters,), (1, NumFilters) or None. The output has the input's format,
    axis order and dtype.
    """

    y_plain = _plain_forward(x, weights, bias, stride, cropping, fmt)
    if y_plain is not None:
        return y_plain
    impl = backend.for_arrays(x=x, weights=weights, bias=bias)
    if impl is not None:
        # Device arrays in, device arrays out (CuPy has no type information).
        y_device = impl.transposed_conv1d(x, weights, bias, stride=stride, cropping=cropping, fmt=fmt)
        return cast(FloatArray, interop.like_device(x, y_device))

    original = x
    x, fmt_, w, geometry = _prepare(x, weights, stride, cropping, fmt)
    num_filters = w.shape[1]
    b = as_bias(bias, num_filters, x.dtype)
    y = allocate(
        fmt_.output_shape(x.shape, num_filters, geometry.out_length),
        x.dtype,
        "the output",
        lambda: (
            f"output length {geometry.out_length} from L = {geometry.length}, stride = {geometry.stride}, "
            f"cropping [{geometry.crop_left} {geometry.crop_right}]"
        ),
    )
    if fmt_.batch_size(x.shape) > 0:
        _core.forward(fmt_.canonical(x), w, b, geometry, fmt_.canonical(y))
    return cast(FloatArray, interop.like(original, y))


def transposed_conv1d_backward(
    x: npt.ArrayLike,
    weights: npt.ArrayLike,
    dy: npt.ArrayLike,
    stride: IntegerLike = 1,
    cropping: CroppingLike = 0,
    fmt: str = "BCT",
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Gradients of the forward pass (R3.3) given ``dy`` of the output's shape.

    Returns ``(dx, dweights, dbias)``: ``dx`` has ``x``'s shape, ``dweights`` the
    weights' shape (FilterSize, NumFilters, NumChannels), ``dbias`` is
    (NumFilters,); all in ``x``'s dtype. No L2 terms are included.
    """

    impl = backend.for_arrays(x=x, weights=weights, dy=dy)
    if impl is not None:
        grads = impl.transposed_conv1d_backward(x, weights, dy, stride=stride, cropping=cropping, fmt=fmt)
        return cast("tuple[FloatArray, FloatArray, FloatArray]", tuple(interop.like_device(x, g) for g in grads))

    original = x
    x, fmt_, w, geometry = _prepare(x, weights, stride, cropping, fmt)
    num_filters = w.shape[1]
    dy = as_data(dy, "dy", x.dtype)
    expected = fmt_.output_shape(x.shape, num_filters, geometry.out_length)
    if dy.shape != expected:
        raise ValueError(f"dy must have the output's shape {expected} (format {fmt_.labels!r}), got {dy.shape}")

    dx = allocate(x.shape, x.dtype, "dx", lambda: "the shape of x")
    dw = allocate(w.shape, x.dtype, "dweights", lambda: "the shape of weights")
    db = allocate((num_filters,), x.dtype, "dbias", lambda: "NumFilters")
    if fmt_.batch_size(x.shape) == 0:
        dw.fill(0)
        db.fill(0)
    else:
        x_view, dy_view = fmt_.canonical(x), fmt_.canonical(dy)
        _core.backward_data(dy_view, w, geometry, fmt_.canonical(dx))
        _core.backward_weights(x_view, dy_view, geometry, dw)
        _core.backward_bias(dy_view, db)
    return interop.like(original, dx), interop.like(original, dw), interop.like(original, db)
