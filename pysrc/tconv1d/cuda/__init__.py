"""The GPU path: the four passes as CUDA kernels, called with CuPy arrays.

``tconv1d.transposed_conv1d`` and ``transposed_conv1d_backward`` come here by
themselves when the data is a CuPy array (or another CUDA array that speaks
DLPack); results are CuPy arrays on the input's device. Weights and bias may be
NumPy arrays (they are copied to that device) or CuPy arrays on the same device.

Importing this module needs neither CuPy nor a GPU; calling it without them
raises RuntimeError. The kernels are deterministic: no floating-point atomics,
every reduction summed in a fixed order.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np
import numpy.typing as npt

from .. import _core
from ..aliases import CroppingLike, IntegerLike
from ..arguments import Cropping, as_cropping, as_integer
from ..arrays import float_dtype
from ..formats import Format, check_channels, parse_format

__all__ = ["available", "transposed_conv1d", "transposed_conv1d_backward"]


def available() -> bool:
    """True when CuPy is installed and sees a CUDA device."""
    try:
        import cupy
    except ImportError:
        return False
    try:
        return bool(cupy.cuda.is_available())
    except Exception:  # noqa: BLE001 - a broken driver means "not available"
        return False


#: A CuPy array, or the CuPy module: CuPy ships no type information.
DeviceArray = Any
CuPy = Any

_ready_cupy: CuPy = None  # CuPy once a device has been seen: the checks below are not free per call


def _cupy() -> CuPy:
    global _ready_cupy
    if _ready_cupy is not None:
        return _ready_cupy
    try:
        import cupy
    except ImportError:
        raise RuntimeError(
            "CuPy is not installed: the GPU path of tconv1d needs CuPy (e.g. pip install cupy-cuda12x) "
            "and a CUDA device"
        ) from None
    if not available():
        raise RuntimeError("no CUDA device is available (CuPy sees none): the GPU path of tconv1d needs one")
    _ready_cupy = cupy
    return cupy


def _device_array(cupy: CuPy, value: object, name: str) -> DeviceArray | None:
    """``value`` as a CuPy array if it lives on a CUDA device, else None (a host array)."""
    if isinstance(value, cupy.ndarray):
        return value
    if hasattr(value, "__dlpack_device__") and not hasattr(value, "__array_interface__"):
        kind, _ = value.__dlpack_device__()
        if int(kind) in (2, 3, 13):
            return cupy.from_dlpack(value)
    return None


def _as_data(cupy: CuPy, x: object, name: str) -> DeviceArray:
    array = _device_array(cupy, x, name)
    if array is None:
        raise ValueError(
            f"{name} is a host array but another argument is on a CUDA device; pass {name} as a CuPy array "
            f"(cupy.asarray({name})) or keep every argument on the host"
        )
    float_dtype(array.dtype, name)
    return array


def _on_device(cupy: CuPy, value: object, device: Any, dtype: np.dtype[Any], name: str) -> tuple[Any, DeviceArray]:
    """A parameter on ``device`` in ``dtype``: host arrays are copied there, device arrays must be there."""
    array = _device_array(cupy, value, name)
    if array is None:
        host = np.asarray(cast("npt.ArrayLike", value))
        float_dtype(host.dtype, name)
        with device:
            return host, cupy.asarray(host, dtype=dtype, order="C")
    float_dtype(array.dtype, name)
    if array.device.id != device.id:
        raise ValueError(
            f"{name} is on CUDA device {array.device.id} but x is on CUDA device {device.id}; move them to one device"
        )
    if array.dtype == dtype and array.flags.c_contiguous:  # the common case: use it as it is
        return array, array
    with device:
        return array, cupy.ascontiguousarray(array.astype(dtype, copy=False))


def _weights(cupy: CuPy, weights: object, device: Any, dtype: np.dtype[Any], name: str = "weights") -> DeviceArray:
    given, w = _on_device(cupy, weights, device, dtype, name)
    if given.ndim != 3:
        raise ValueError(f"{name} must be a FilterSize x NumFilters x NumChannels array, got shape {given.shape}")
    if 0 in given.shape:
        raise ValueError(f"{name} must not be empty, got shape {given.shape}")
    return w


def _bias(
    cupy: CuPy, bias: object, num_filters: int, device: Any, dtype: np.dtype[Any], name: str = "bias"
) -> DeviceArray | None:
    if bias is None:
        return None
    given, b = _on_device(cupy, bias, device, dtype, name)
    if given.shape not in ((num_filters,), (1, num_filters)):
        raise ValueError(f"{name} must have shape ({num_filters},) or (1, {num_filters}), got {given.shape}")
    return b if b.ndim == 1 else b.reshape(num_filters)


def _geometry(fmt: Format, x: DeviceArray, filter_size: int, stride: int, crop: Cropping) -> _core.Geometry:
    return _core.resolve_geometry(x.shape[fmt.spatial_axis], filter_size, stride, crop.same, crop.left, crop.right)


def transposed_conv1d(
    x: DeviceArray,
    weights: DeviceArray | npt.ArrayLike,
    bias: DeviceArray | npt.ArrayLike | None = None,
    stride: IntegerLike = 1,
    cropping: CroppingLike = 0,
    fmt: str = "BCT",
) -> DeviceArray:
    """Forward pass (R3.1) on the GPU; same arguments and result as ``tconv1d.transposed_conv1d``."""
    from . import passes

    cupy = _cupy()
    x = _as_data(cupy, x, "x")
    fmt_ = parse_format(fmt, x.ndim)
    device = x.device
    w = _weights(cupy, weights, device, x.dtype)
    filter_size, num_filters, channels = w.shape
    b = _bias(cupy, bias, num_filters, device, x.dtype)
    stride = as_integer(stride, "stride")
    crop = as_cropping(cropping)
    check_channels(fmt_, x.shape, channels)
    geometry = _geometry(fmt_, x, filter_size, stride, crop)
    with device:
        y = cupy.empty(fmt_.output_shape(x.shape, num_filters, geometry.out_length), dtype=x.dtype)
        passes.forward(passes.device_view(x, fmt_), w, b, geometry, passes.device_view(y, fmt_))
    return y


def transposed_conv1d_backward(
    x: DeviceArray,
    weights: DeviceArray | npt.ArrayLike,
    dy: DeviceArray,
    stride: IntegerLike = 1,
    cropping: CroppingLike = 0,
    fmt: str = "BCT",
) -> tuple[DeviceArray, DeviceArray, DeviceArray]:
    """Gradients (R3.3) on the GPU: ``(dx, dweights, dbias)``, as ``tconv1d.transposed_conv1d_backward``."""
    from . import passes

    cupy = _cupy()
    x = _as_data(cupy, x, "x")
    fmt_ = parse_format(fmt, x.ndim)
    device = x.device
    w = _weights(cupy, weights, device, x.dtype)
    filter_size, num_filters, channels = w.shape
    stride = as_integer(stride, "stride")
    crop = as_cropping(cropping)
    check_channels(fmt_, x.shape, channels)
    geometry = _geometry(fmt_, x, filter_size, stride, crop)
    dy = _as_data(cupy, dy, "dy")
    if dy.device.id != device.id:
        raise ValueError(
            f"dy is on CUDA device {dy.device.id} but x is on CUDA device {device.id}; move them to one device"
        )
    expected = fmt_.output_shape(x.shape, num_filters, geometry.out_length)
    if dy.shape != expected:
        raise ValueError(f"dy must have the output's shape {expected} (format {fmt_.labels!r}), got {dy.shape}")
    with device:
        dy = dy.astype(x.dtype, copy=False)
        dx = cupy.empty(x.shape, dtype=x.dtype)
        dw = cupy.empty(w.shape, dtype=x.dtype)
        db = cupy.empty((num_filters,), dtype=x.dtype)
        x_view, dy_view = passes.device_view(x, fmt_), passes.device_view(dy, fmt_)
        passes.backward_data(dy_view, w, geometry, passes.device_view(dx, fmt_))
        passes.backward_weights(x_view, dy_view, geometry, dw)
        passes.backward_bias(dy_view, db)
    return dx, dw, db
