"""Arrays of other libraries in, and results back in the caller's array type (SPEC R7.7).

Any host array that speaks the buffer protocol, ``__array__`` /
``__array_interface__`` or DLPack is read without a copy where its layout
allows (NumPy, PyTorch CPU tensors, JAX CPU arrays, array-API arrays such as
array-api-strict's). The result of a call comes back in the type of its data
argument ``x``: NumPy in, NumPy out; torch in, torch out (sharing the result's
memory); an array-API array in, that namespace's array out (through its
``from_dlpack``). CUDA arrays (CuPy, torch or JAX on a GPU) never come here: the
GPU path takes them (``backend.py``) and ``like_device`` gives its result back
in the caller's type.

What cannot be read is a clear error naming the argument: a torch tensor that
requires grad (these functions record no autograd graph), a bfloat16 or float16
array, an array on a device the CPU cannot read.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

# DLPack device types the CPU reads directly: kDLCPU, kDLCUDAHost (pinned host
# memory), kDLROCMHost, kDLCUDAManaged is left to the GPU path.
_HOST_DEVICES = {1: "CPU", 3: "CUDA host", 11: "ROCm host"}
_DEVICE_NAMES = {2: "CUDA", 4: "OpenCL", 7: "Vulkan", 8: "Metal", 9: "VPI", 10: "ROCm", 12: "ExtDev", 13: "CUDA managed",
                 14: "oneAPI", 15: "WebGPU", 16: "Hexagon", 17: "MAIA"}  # fmt: skip

# Dtypes tconv1d does not compute in, by the names libraries give them.
_HALF_PRECISION = ("bfloat16", "float16", "half")


def _is_torch_tensor(value: object) -> bool:
    torch = sys.modules.get("torch")  # only when the caller already imported torch
    return torch is not None and isinstance(value, torch.Tensor)


def _refuse_half(value: object, name: str) -> None:
    dtype = getattr(value, "dtype", None)
    text = str(dtype).rsplit(".", 1)[-1] if dtype is not None else ""
    if text in _HALF_PRECISION:
        raise TypeError(
            f"{name} must be float32 or float64 (single or double), got {text}: convert it first "
            f"(e.g. {name}.float() in PyTorch, {name}.astype('float32') elsewhere)"
        )


def _check_torch(value: Any, name: str) -> None:
    if value.requires_grad:
        raise TypeError(
            f"{name} is a torch tensor that requires grad; tconv1d's functions record no autograd graph. "
            f"Pass {name}.detach() to compute without one"
        )
    if value.device.type != "cpu":
        raise ValueError(
            f"{name} is on the torch device {value.device}; tconv1d computes on the CPU, "
            f"or on CUDA devices through CuPy (pip install 'tconv1d[gpu]')"
        )
    _refuse_half(value, name)


def to_host(value: Any, name: str) -> Any:
    """``value`` as NumPy can read it: a NumPy array, or ``value`` itself when
    NumPy reads it directly (buffers, ``__array__``, scalars, nested lists).
    Objects that offer only DLPack are imported with ``numpy.from_dlpack``."""
    if type(value) is np.ndarray:  # the common case, answered without attribute lookups
        return value
    if _is_torch_tensor(value):
        _check_torch(value, name)
        return value.numpy()  # a view of the tensor's memory
    if hasattr(value, "__array__") or hasattr(value, "__array_interface__") or isinstance(value, (list, tuple)):
        _refuse_half(value, name)
        return value
    if hasattr(value, "__dlpack__"):
        _refuse_half(value, name)
        device = getattr(value, "__dlpack_device__", None)
        if device is not None:
            kind, index = (int(part) for part in device())
            if kind not in _HOST_DEVICES:
                where = _DEVICE_NAMES.get(kind, f"DLPack device type {kind}")
                raise ValueError(
                    f"{name} is on a {where} device ({index}); tconv1d computes on the CPU, "
                    f"or on CUDA devices through CuPy"
                )
        try:
            return np.from_dlpack(value)
        except (BufferError, TypeError, RuntimeError) as error:
            raise TypeError(f"{name}: its DLPack export cannot be read as a float32/float64 array ({error})") from None
    return value


def like(original: Any, result: Any) -> Any:
    """``result`` in the array type of ``original`` (the call's data argument)."""
    if type(original) is np.ndarray or isinstance(result, np.generic):
        return result
    if _is_torch_tensor(original):
        return sys.modules["torch"].from_dlpack(result)  # shares the result's memory
    if isinstance(original, np.ndarray):  # subclasses: NumPy's own arrays
        return result
    namespace = getattr(original, "__array_namespace__", None)
    if namespace is not None and not hasattr(original, "__array_interface__"):
        return namespace().from_dlpack(result)
    return result


def like_device(original: Any, result: Any) -> Any:
    """A GPU result (a CuPy array) in the array type of ``original``, without a copy:
    a torch tensor for a torch CUDA tensor, that namespace's array (through its
    ``from_dlpack``) for an array-API array such as a JAX GPU array, CuPy otherwise."""
    if _is_torch_tensor(original):
        return sys.modules["torch"].from_dlpack(result)
    cupy = sys.modules.get("cupy")
    if cupy is not None and isinstance(original, cupy.ndarray):
        return result
    namespace = getattr(original, "__array_namespace__", None)
    if namespace is not None:
        return namespace().from_dlpack(result)
    return result
