"""tconv1d: the 1-D transposed convolution layer, exact to its documented behaviour.

See README.md for an overview; SPEC requirement numbers (R1-R8) are cited in docstrings.
"""

from __future__ import annotations

from . import _core
from .formats import SUPPORTED_FORMATS
from .functional import output_length, resolve_geometry, transposed_conv1d, transposed_conv1d_backward
from .layer import TransposedConvolution1DLayer, transposed_conv1d_layer
from .native import cmake_dir, get_include, get_library_dir, pkgconfig_dir
from .onnx_export import transposed_conv1d_to_onnx
from .solvers import SGDM, Adam, RMSProp, solver
from .stream import TransposedConv1dStream, transposed_conv1d_stream

__version__ = _core.version()


def set_num_threads(num_threads: int) -> None:
    """Threads used by the CPU passes (0 restores OpenMP's default). Results do not depend on it.

    At most :func:`max_num_threads`. In a child forked after a multi-threaded
    call the passes run on one thread whatever is set (README, Reliability).
    """
    from .arguments import as_integer

    count = as_integer(num_threads, "num_threads", minimum=0)
    if count > _core.max_num_threads():
        raise ValueError(
            f"num_threads must be at most {_core.max_num_threads()} (4 x the CPUs this process may use), got {count}"
        )
    _core.set_num_threads(count)


def get_num_threads() -> int:
    """Threads the CPU passes will use."""
    return _core.get_num_threads()


def max_num_threads() -> int:
    """The largest thread count :func:`set_num_threads` takes: 4 x the CPUs this process may use (at least 4)."""
    return _core.max_num_threads()


def set_workspace_cache_limit(nbytes: int) -> None:
    """Bytes of freed memory kept for later calls (0 keeps none).

    The cache holds the passes' freed workspace and the memory of freed
    results of 1 MiB or more, so that a recurring call reuses pages already
    faulted in. Lowering the limit frees what exceeds it at once. The default
    is a sixteenth of the machine's memory (or of the process's control-group
    memory limit where that is lower: a container), within 256 MiB and 1 GiB. A
    call's workspace is at most the size of its own inputs and outputs plus
    64 KiB.
    """
    from .arguments import as_integer

    _core.set_workspace_cache_limit(as_integer(nbytes, "nbytes", minimum=0))


def workspace_cache_limit() -> int:
    """The limit :func:`set_workspace_cache_limit` set.

    By default a sixteenth of the machine's memory (or of a lower control-group
    limit), within 256 MiB and 1 GiB.
    """
    return _core.workspace_cache_limit()


def workspace_cached_bytes() -> int:
    """Bytes of freed workspace and result memory the process keeps now for later calls."""
    return _core.workspace_cached_bytes()


__all__ = [
    "SGDM",
    "SUPPORTED_FORMATS",
    "Adam",
    "RMSProp",
    "TransposedConv1dStream",
    "TransposedConvolution1DLayer",
    "__version__",
    "cmake_dir",
    "get_include",
    "get_library_dir",
    "get_num_threads",
    "max_num_threads",
    "output_length",
    "pkgconfig_dir",
    "resolve_geometry",
    "set_num_threads",
    "set_workspace_cache_limit",
    "solver",
    "transposed_conv1d",
    "transposed_conv1d_backward",
    "transposed_conv1d_layer",
    "transposed_conv1d_stream",
    "transposed_conv1d_to_onnx",
    "workspace_cache_limit",
    "workspace_cached_bytes",
]
