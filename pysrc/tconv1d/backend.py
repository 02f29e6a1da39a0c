"""Which implementation serves a call: the CPU core for NumPy data, the GPU
path for device arrays. Kept apart so that ``import tconv1d`` never imports CuPy.
"""

from __future__ import annotations

import importlib.util
import sys
from typing import Any, Protocol

import numpy as np

from .aliases import CroppingLike, IntegerLike


class DevicePath(Protocol):
    """What a device implementation (tconv1d.cuda) offers: the two passes on its
    own arrays, which carry no type information."""

    def transposed_conv1d(
        self,
        x: Any,
        weights: Any,
        bias: Any = None,
        stride: IntegerLike = 1,
        cropping: CroppingLike = 0,
        fmt: str = "BCT",
    ) -> Any: ...

    def transposed_conv1d_backward(
        self, x: Any, weights: Any, dy: Any, stride: IntegerLike = 1, cropping: CroppingLike = 0, fmt: str = "BCT"
    ) -> tuple[Any, Any, Any]: ...


def _is_device_array(value: object) -> bool:
    if type(value) is np.ndarray:  # the common case, answered without any attribute lookups
        return False
    # Only look at CuPy if the caller already imported it: a NumPy user never pays for it.
    cupy = sys.modules.get("cupy")
    if cupy is not None and isinstance(value, cupy.ndarray):
        return True
    # Other CUDA arrays that speak DLPack (e.g. torch tensors on a GPU).
    device = getattr(value, "__dlpack_device__", None)
    if device is not None and not hasattr(value, "__array_interface__"):
        try:
            kind, _ = device()
        except Exception:  # noqa: BLE001 - an object whose DLPack hook fails is not a device array
            return False
        return int(kind) in (2, 3, 13)  # kDLCUDA, kDLCUDAHost, kDLCUDAManaged
    return False


def for_arrays(**arrays: object) -> DevicePath | None:
    """The GPU module when any argument (by name) lives on a CUDA device, else
    None (the CPU path). A CUDA array without CuPy installed is a RuntimeError
    naming the argument."""
    on_device = [name for name, array in arrays.items() if array is not None and _is_device_array(array)]
    if not on_device:
        return None
    name = on_device[0]
    if importlib.util.find_spec("cupy") is None:
        raise RuntimeError(
            f"{name} is on a CUDA device, and tconv1d's GPU path needs CuPy, which is not installed "
            f"(pip install 'tconv1d[gpu]'); or move {name} to the CPU"
        )
    from . import cuda

    return cuda
