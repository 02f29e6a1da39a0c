"""The kernel sources and their compiled modules.

Each ``kernels/*.cu`` file is compiled once per device, lazily, by
``cupy.RawModule`` with the template instances listed here as name expressions.
The files include ``common.cuh``; NVRTC is given the text with that include
expanded, ``nvcc`` (the tests) resolves it itself, so both compile the same code.
"""

from __future__ import annotations

import pathlib
import re
import threading
from typing import Any, cast

import numpy as np
import numpy.typing as npt

KERNEL_DIR = pathlib.Path(__file__).with_name("kernels")

#: Tile shapes of the implicit-GEMM kernels: name -> (BM, BN, TM, TN), 256 threads each.
#: TM = TN = 0: tensor cores with the 3xTF32 split (float accuracy), float32 only.
TILE_CONFIGS = {
    "128x128": (128, 128, 8, 8),
    "128x64": (128, 64, 8, 4),
    "64x64": (64, 64, 4, 4),
    "tc128x128": (128, 128, 0, 0),
    "tc128x64": (128, 64, 0, 0),
    "tc64x64": (64, 64, 0, 0),
}

#: The tile shapes each dtype may use.
DTYPE_CONFIGS = {
    "float32": tuple(TILE_CONFIGS),
    "float64": tuple(c for c in TILE_CONFIGS if not c.startswith("tc")),
}

#: The C++ type of each supported dtype.
CTYPES = {"float32": "float", "float64": "double"}

#: Kernel source file -> its kernels; True marks the tiled ones (templated on a tile config).
KERNELS = {
    "forward.cu": {"forward": True},
    "backward_data.cu": {"backward_data": True, "backward_data_reduce": False},
    "backward_weights.cu": {"backward_weights": True, "backward_weights_reduce": False},
    "backward_bias.cu": {"backward_bias": False},
}

#: Options given to NVRTC (CuPy adds the architecture of the device).
NVRTC_OPTIONS = ("-std=c++17",)


def name_expression(kernel: str, dtype: str, config: str | None = None) -> str:
    """The template instance of ``kernel`` for ``dtype`` (and tile ``config``), as NVRTC spells it."""
    ctype = CTYPES[str(dtype)]
    if config is None:
        return f"{kernel}<{ctype}>"
    bm, bn, tm, tn = TILE_CONFIGS[config]
    return f"{kernel}<{ctype}, {bm}, {bn}, {tm}, {tn}>"


def name_expressions(filename: str) -> list[str]:
    """Every instance compiled from ``filename``."""
    names: list[str] = []
    for kernel, tiled in KERNELS[filename].items():
        for dtype in CTYPES:
            configs = DTYPE_CONFIGS[dtype] if tiled else [None]
            names.extend(name_expression(kernel, dtype, config) for config in configs)
    return names


def source(filename: str) -> str:
    """The text of ``filename`` with ``#include "common.cuh"`` expanded (NVRTC gets no include path)."""
    text = (KERNEL_DIR / filename).read_text()
    common = (KERNEL_DIR / "common.cuh").read_text().replace("#pragma once", "")
    return text.replace('#include "common.cuh"', common)


_ARGS_STRUCT = re.compile(r"struct (\w+Args) \{(.*?)\};", re.S)
_ARGS_PARAMETER = re.compile(r"const (\w+Args) args\)")
_arg_dtypes: dict[str, np.dtype[np.void]] = {}


def argument_fields(kernel: str) -> tuple[str, ...]:
    """The fields of ``kernel``'s integer-argument struct, read from its source (one truth)."""
    filename = next(f for f, kernels in KERNELS.items() if kernel in kernels)
    text = (KERNEL_DIR / filename).read_text()
    structs = {name: re.findall(r"long long (\w+);", body) for name, body in _ARGS_STRUCT.findall(text)}
    for match in _ARGS_PARAMETER.finditer(text):
        # The kernel's name is the last "name(" before its struct parameter.
        name = re.findall(r"(\w+)\(", text[: match.start()])[-1]
        if name == kernel:
            return tuple(structs[match.group(1)])
    raise KeyError(f"kernel {kernel} takes no argument struct")


def arguments(kernel: str, **values: int) -> np.void:
    """``values`` packed as the kernel's argument struct: a NumPy structured scalar passed by value.

    One struct argument instead of twenty integers keeps the launch cheap.
    """
    dtype = _arg_dtypes.get(kernel)
    if dtype is None:
        dtype = _arg_dtypes[kernel] = np.dtype([(name, np.int64) for name in argument_fields(kernel)])
    names = dtype.names or ()
    if set(values) != set(names):
        raise TypeError(f"{kernel} arguments: expected {names}, got {tuple(values)}")
    # [()] of a 0-d structured array is the np.void scalar itself.
    return cast(np.void, np.array(tuple(values[name] for name in names), dtype=dtype)[()])


_lock = threading.Lock()
# CuPy's RawModule and RawKernel objects (CuPy ships no type information).
_modules: dict[tuple[str, int], Any] = {}
_functions: dict[tuple[str, str, str | None, int], Any] = {}


def function(kernel: str, dtype: npt.DTypeLike, config: str | None = None) -> Any:
    """The compiled kernel for the current CuPy device (compiled on first use, then cached)."""
    import cupy

    device = cupy.cuda.runtime.getDevice()
    key = (kernel, str(dtype), config, device)
    found = _functions.get(key)
    if found is not None:
        return found
    filename = next(f for f, kernels in KERNELS.items() if kernel in kernels)
    with _lock:
        module = _modules.get((filename, device))
        if module is None:
            module = cupy.RawModule(
                code=source(filename), options=NVRTC_OPTIONS, name_expressions=name_expressions(filename)
            )
            _modules[(filename, device)] = module
        found = _functions[key] = module.get_function(name_expression(kernel, str(dtype), config))
    return found
