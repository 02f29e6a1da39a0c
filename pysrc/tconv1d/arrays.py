"""Host arrays as the compiled core reads them (SPEC R3.4, R7.2, R7.4).

The core takes float32/float64 arrays in the machine's byte order whose data
and strides are aligned to the item size, through strided views and without a
copy. Anything else that holds float32/float64 numbers is accepted too and
copied once to get there: arrays in the other byte order, unaligned arrays
(from a byte buffer at an odd offset, say) and arrays whose byte strides are
not whole items. Dtypes are compared by value, so arrays that went through
pickle or carry dtype metadata are taken as they are.
"""

from __future__ import annotations

import math
import sys
from typing import Any, Callable

import numpy as np

from . import _core, interop

FLOAT32 = np.dtype(np.float32)
FLOAT64 = np.dtype(np.float64)


def float_dtype(dtype: Any, name: str) -> np.dtype:
    """The native float32/float64 dtype equal in value to ``dtype``; TypeError for any other."""
    dtype = np.dtype(dtype)
    if dtype.kind == "f" and dtype.itemsize in (4, 8):
        return FLOAT32 if dtype.itemsize == 4 else FLOAT64
    raise TypeError(f"{name} must be float32 or float64 (single or double), got {dtype}")


def as_core_array(array: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """``array`` in ``dtype`` (native), aligned, copied only when it is not so already."""
    if array.dtype != dtype:  # the other float dtype or byte order; metadata compares equal
        return array.astype(dtype)
    if not array.flags.aligned:  # data or a stride not a multiple of the item size
        return np.array(array, dtype=dtype, order="C", copy=True)
    return array


def as_float_array(value: Any, name: str, dtype: np.dtype | None = None) -> np.ndarray:
    """A float32/float64 NumPy array of ``value`` the core can read: in ``dtype``
    when given (the computation's), else in its own precision. Arrays of other
    libraries are read through interop.py (DLPack, ``__array__``, buffers)."""
    array = np.asarray(interop.to_host(value, name))
    own = array.dtype
    # The common case is answered by identity (NumPy's builtin dtype objects);
    # everything else takes the general path, which compares by value.
    if (own is FLOAT32 or own is FLOAT64) and (dtype is None or own is dtype) and array.flags.aligned:
        return array
    own = float_dtype(own, name)
    return as_core_array(array, own if dtype is None else dtype)


def _bytes_text(count: int) -> str:
    for unit, size in (("EiB", 2**60), ("PiB", 2**50), ("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20)):
        if count >= size:
            return f"{count / size:.1f} {unit}"
    return f"{count} bytes"


# Results of at least this size live in the core's cached result memory: a call
# that recurs with the same result shape (a training or inference loop) then
# writes into pages already faulted in, where a fresh allocation has the
# operating system zero every page on first touch. Smaller arrays come from
# NumPy's allocator, which already reuses them cheaply.
CACHED_RESULT_BYTES = 1 << 20


def allocate(shape: tuple[int, ...], dtype: np.dtype, name: str, why: Callable[[], str]) -> np.ndarray:
    """A new array for an output, or an error that says which output and why it is so large.

    ``why()`` names the arguments that set the size (e.g. the stride and
    cropping behind an output length); it is only called for the message. More
    bytes than an address space holds is an OverflowError; an allocation the
    machine refuses, a MemoryError.
    """
    nbytes = math.prod(shape) * dtype.itemsize
    try:
        if CACHED_RESULT_BYTES <= nbytes <= sys.maxsize:
            return _core.result_array(shape, dtype)
        return np.empty(shape, dtype=dtype)
    except (MemoryError, ValueError):
        size = f"{name} of shape {tuple(shape)} {dtype} ({_bytes_text(nbytes)}; {why()})"
        if nbytes > sys.maxsize:
            raise OverflowError(f"{size} does not fit in this process's memory") from None
        raise MemoryError(f"cannot allocate {size}") from None
