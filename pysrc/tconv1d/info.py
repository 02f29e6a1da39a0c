"""``tconv1d info``: what this installation is and what it can use."""

from __future__ import annotations

import argparse
import platform


def gpu_status() -> str:
    """A short sentence on CuPy and a CUDA device, without failing where neither exists."""
    try:
        import cupy
    except Exception as error:  # noqa: BLE001 - any import failure means "no CuPy"
        return f"CuPy not importable ({type(error).__name__})"
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as error:  # noqa: BLE001 - no driver / no device
        return f"CuPy {cupy.__version__}, no usable CUDA device ({type(error).__name__})"
    if count == 0:
        return f"CuPy {cupy.__version__}, no CUDA device"
    name = cupy.cuda.runtime.getDeviceProperties(0)["name"]
    name = name.decode() if isinstance(name, bytes) else name
    return f"CuPy {cupy.__version__}, {count} CUDA device(s): {name}"


def lines() -> list[tuple[str, str]]:
    from . import _core

    return [
        ("version", _core.version()),
        ("python", platform.python_version()),
        ("compiler", _core.compiler()),
        ("OpenMP", "yes" if _core.has_openmp() else "no"),
        ("threads", str(_core.get_num_threads())),
        ("SIMD level", _core.simd_level()),
        ("GPU", gpu_status()),
    ]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    del parser  # no options


def run(args: argparse.Namespace) -> int:
    del args
    for key, value in lines():
        print(f"{key:>11}: {value}")
    return 0
