"""tconv1d: the 1-D transposed convolution layer, exact to its documented behaviour.

See README.md for an overview; SPEC requirement numbers (R1-R7) are cited in docstrings.
"""

from __future__ import annotations

from . import _core
from .formats import SUPPORTED_FORMATS
from .functional import output_length, resolve_geometry, transposed_conv1d, transposed_conv1d_backward
from .layer import TransposedConvolution1DLayer, transposed_conv1d_layer

__version__ = _core.version()


def set_num_threads(num_threads: int) -> None:
    """Threads used by the CPU passes (0 restores OpenMP's default). Results do not depend on it."""
    from .arguments import as_integer

    count = as_integer(num_threads, "num_threads", minimum=0)
    if count > _core.max_num_threads():
        raise ValueError(f"num_threads must be at most {_core.max_num_threads()}, got {count}")
    _core.set_num_threads(count)


def get_num_threads() -> int:
    """Threads the CPU passes will use."""
    return _core.get_num_threads()


__all__ = [
    "SUPPORTED_FORMATS",
    "TransposedConvolution1DLayer",
    "__version__",
    "get_num_threads",
    "output_length",
    "resolve_geometry",
    "set_num_threads",
    "transposed_conv1d",
    "transposed_conv1d_backward",
    "transposed_conv1d_layer",
]
