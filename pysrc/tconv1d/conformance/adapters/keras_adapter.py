"""Keras 3's ``Conv1DTranspose`` behind the adapter protocol (forward and gradients).

Keras is asked in its own terms, so that its verdicts are its own:

- ``'same'`` is Keras's ``padding="same"``; a crop of 0 is ``padding="valid"``;
  any other crop ``[l r]`` is ``padding="valid"`` followed by Keras's
  ``Cropping1D((l, r))``. (Keras "valid" keeps ``max(F, S)`` positions per input
  sample, so for F < S it differs from the spec's uncropped length: a real
  difference, not an adapter choice.)
- The kernel is ``(kernel_size, filters, in_channels)``, which is the spec's
  ``W[f, k, c]`` layout: the weights go in unchanged; the bias is ``(filters,)``.
- Keras is channels-last, so the adapter transposes (N, C, L) to (N, L, C) and
  back; (C, L) gets a batch of 1. Other formats are permuted by the runner.
- The layer computes in its own dtype, the data's for float32/float64 (Keras's
  ``dtype=`` policy) and float32 otherwise, which Keras casts to silently.
- Gradients need the torch backend (``KERAS_BACKEND=torch``, set here unless the
  caller chose another one): autograd through the Keras layer's call.

Keras has no output-length function (derived by the runner) and no layer with
the vendor's properties: those cases are skipped.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import numpy.typing as npt

os.environ.setdefault("KERAS_BACKEND", "torch")  # must precede the first import of keras
try:
    import keras
except ImportError as error:  # the runner reports every case skipped
    keras = None
    UNAVAILABLE: str | None = f"keras is not importable ({error})"
else:
    UNAVAILABLE = None

NAME = "keras"

# The functions take whatever a case passes, deliberately wrong arguments
# included, so their parameters are Any; results are NumPy arrays.


def _channels_last(x: Any, fmt: str) -> tuple[npt.NDArray[Any], bool]:
    """(N, L, C) from a BCT or CT array, and whether a batch axis was added."""
    labels = str(fmt).upper()
    x = np.asarray(x)
    if labels == "BCT" and x.ndim == 3:
        return np.ascontiguousarray(x.transpose(0, 2, 1)), False
    if labels == "CT" and x.ndim == 2:
        return np.ascontiguousarray(x.T[None]), True
    raise NotImplementedError("formats other than BCT and CT (the adapter transposes those to channels-last)")


def _numpy(y: Any) -> npt.NDArray[Any]:
    if hasattr(y, "detach"):  # a torch tensor: Keras's own conversion warns under NumPy 2
        return np.asarray(y.detach().cpu().numpy())
    return np.asarray(keras.ops.convert_to_numpy(y))


def _from_channels_last(y: Any, unbatched: bool) -> npt.NDArray[Any]:
    result = _numpy(y).transpose(0, 2, 1)
    unbatched_result: npt.NDArray[Any] = result[0] if unbatched else result
    return unbatched_result


def _padding_and_crop(cropping: Any) -> tuple[Any, Any]:
    """Keras's padding and Cropping1D argument (None: no Cropping1D); values are
    passed as given, so that Keras, not the adapter, judges them."""
    if isinstance(cropping, str):
        return cropping, None  # "same" (or whatever string: Keras's own error)
    crop = tuple(cropping) if isinstance(cropping, (list, tuple, np.ndarray)) else (cropping, cropping)
    if all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v == 0 for v in crop):
        return "valid", None
    return "valid", crop


def _compute_dtype(x: npt.NDArray[Any]) -> str:
    return x.dtype.name if x.dtype in (np.float32, np.float64) else "float32"


def _model(weights: Any, bias: Any, stride: Any, cropping: Any, dtype: str, channels: int) -> Any:
    """A Keras Sequential: Conv1DTranspose (and Cropping1D) with the case's parameters set."""
    w = np.asarray(weights)
    filter_size, num_filters = w.shape[0], w.shape[1]
    padding, crop = _padding_and_crop(cropping)
    layers = [
        keras.Input(shape=(None, channels), dtype=dtype),
        keras.layers.Conv1DTranspose(
            num_filters, filter_size, strides=stride, padding=padding, use_bias=True, dtype=dtype
        ),
    ]
    if crop is not None:
        layers.append(keras.layers.Cropping1D(crop, dtype=dtype))
    model = keras.Sequential(layers)
    b = np.zeros(num_filters) if bias is None else np.asarray(bias).reshape(-1)
    model.layers[0].set_weights([w.astype(dtype), b.astype(dtype)])
    return model


def transposed_conv1d(
    x: Any, weights: Any, bias: Any = None, stride: Any = 1, cropping: Any = 0, fmt: str = "BCT"
) -> npt.NDArray[Any]:
    xl, unbatched = _channels_last(x, fmt)
    dtype = _compute_dtype(xl)
    model = _model(weights, bias, stride, cropping, dtype, xl.shape[2])
    return _from_channels_last(model(xl, training=False), unbatched)


def transposed_conv1d_backward(
    x: Any, weights: Any, dy: Any, stride: Any = 1, cropping: Any = 0, fmt: str = "BCT"
) -> tuple[npt.NDArray[Any], npt.NDArray[Any], npt.NDArray[Any]]:
    if keras.backend.backend() != "torch":
        raise NotImplementedError(
            f"gradients (the adapter uses torch autograd; Keras runs on {keras.backend.backend()})"
        )
    import torch

    xl, unbatched = _channels_last(x, fmt)
    dyl, _ = _channels_last(dy if not unbatched else np.asarray(dy), fmt)
    dtype = _compute_dtype(xl)
    model = _model(weights, None, stride, cropping, dtype, xl.shape[2])
    conv = model.layers[0]
    xt = torch.tensor(xl, requires_grad=True)
    y = model(xt, training=True)
    y.backward(torch.as_tensor(dyl, dtype=y.dtype, device=y.device))
    dx = xt.grad.cpu().numpy().transpose(0, 2, 1)
    dw = conv.kernel.value.grad.cpu().numpy()
    db = conv.bias.value.grad.cpu().numpy()
    return (dx[0] if unbatched else dx), dw, db
