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


def simd_status() -> tuple[str, bool]:
    """The kernels' instruction set, or why none can be used (a bad TCONV1D_ISA), and whether it is usable."""
    from . import _core

    try:
        return _core.simd_level(), True
    except (ValueError, RuntimeError) as error:
        return f"unusable: {error}", False


def lines() -> list[tuple[str, str]]:
    from . import _core

    return [
        ("version", _core.version()),
        ("python", platform.python_version()),
        ("compiler", _core.compiler()),
        ("OpenMP", "yes" if _core.has_openmp() else "no"),
        ("threads", f"{_core.get_num_threads()} (at most {_core.max_num_threads()})"),
        ("SIMD level", simd_status()[0]),
        ("GPU", gpu_status()),
    ]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    del parser  # no options


def run(args: argparse.Namespace) -> int:
    """Prints the facts; exit status 1 when the CPU kernels cannot run as configured."""
    del args
    for key, value in lines():
        print(f"{key:>11}: {value}")
    return 0 if simd_status()[1] else 1
