"""This package on the GPU: the same functions called with CuPy arrays, whose
results are brought back to NumPy for judging. Unavailable (every case skipped,
with the reason) without CuPy, a CUDA device or the ``tconv1d.cuda`` module.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

NAME = "cuda"
UNAVAILABLE: str | None = None

try:
    import cupy

    if cupy.cuda.runtime.getDeviceCount() < 1:
        UNAVAILABLE = "no CUDA device"
    else:
        import tconv1d
        import tconv1d.cuda
except Exception as error:  # noqa: BLE001 - any failure means this adapter cannot run
    UNAVAILABLE = UNAVAILABLE or f"CuPy/GPU/tconv1d.cuda not usable ({type(error).__name__}: {error})"


def _device(array: Any) -> Any:  # a CuPy array (CuPy is untyped)
    return None if array is None else cupy.asarray(array)


def _host(array: Any) -> npt.NDArray[Any]:
    host: npt.NDArray[Any] = cupy.asnumpy(array) if isinstance(array, cupy.ndarray) else np.asarray(array)
    return host


def transposed_conv1d(
    x: Any, weights: Any, bias: Any = None, stride: Any = 1, cropping: Any = 0, fmt: str = "BCT"
) -> npt.NDArray[Any]:
    y = tconv1d.transposed_conv1d(
        _device(x), _device(weights), _device(bias), stride=stride, cropping=cropping, fmt=fmt
    )
    return _host(y)


def transposed_conv1d_backward(
    x: Any, weights: Any, dy: Any, stride: Any = 1, cropping: Any = 0, fmt: str = "BCT"
) -> tuple[npt.NDArray[Any], ...]:
    grads = tconv1d.transposed_conv1d_backward(
        _device(x), _device(weights), _device(dy), stride=stride, cropping=cropping, fmt=fmt
    )
    return tuple(_host(g) for g in grads)


def output_length(length: Any, filter_size: Any, stride: Any = 1, cropping: Any = 0) -> int:
    return tconv1d.output_length(length, filter_size, stride, cropping)
