"""The implementations the conformance runner can validate.

The adapter protocol is duck-typed: an adapter is any object (usually a module)
offering some of

- ``transposed_conv1d(x, weights, bias=None, stride=1, cropping=0, fmt="BCT")`` -> y
- ``transposed_conv1d_backward(x, weights, dy, stride=1, cropping=0, fmt="BCT")`` -> (dx, dweights, dbias)
- ``output_length(length, filter_size, stride=1, cropping=0)`` -> int
- ``transposed_conv1d_layer(filter_size, num_filters, **options)`` -> a layer object
- ``solver(name, **options)`` -> an object whose ``step(layer, dweights, dbias)`` updates
  the layer's Weights and Bias (SPEC R11; the training cases of R6.1 and R6.2)

with the semantics of SPEC.md, NumPy arrays in and array-likes out. A missing
function, or one that raises ``NotImplementedError``, makes the cases that need
it *skipped: not implemented*. An adapter may set ``UNAVAILABLE`` to a reason
string, which skips every case (e.g. no GPU). ``NAME`` is the name reported.

Built in: ``tconv1d`` (this package, the default), ``torch``, ``onnxruntime``,
``keras`` (Keras 3, torch backend), ``cuda`` (this package on CuPy arrays). Any other name is imported as a module,
or loaded from a ``.py`` file path.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import types

BUILTIN: dict[str, str | None] = {
    "tconv1d": None,  # the package itself
    "torch": ".torch_adapter",
    "onnxruntime": ".onnxruntime_adapter",
    "keras": ".keras_adapter",
    "cuda": ".cuda_adapter",
}


def _from_path(path: str) -> types.ModuleType:
    name = "tconv1d_conformance_impl_" + os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load an implementation from {path!r}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_adapter(name: str | object = "tconv1d") -> object:
    """The adapter for ``--impl NAME|MODULE|FILE.py``."""
    if not isinstance(name, str):
        return name  # already an adapter object or module
    if name in BUILTIN:
        relative = BUILTIN[name]
        if relative is None:
            return importlib.import_module("tconv1d")
        return importlib.import_module(relative, __name__)
    if name.endswith(".py") or os.sep in name:
        return _from_path(name)
    return importlib.import_module(name)


def adapter_name(adapter: object) -> str:
    name = getattr(adapter, "NAME", None) or getattr(adapter, "__name__", None) or type(adapter).__name__
    return str(name)
