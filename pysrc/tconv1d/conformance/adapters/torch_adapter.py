"""PyTorch's ``conv_transpose1d`` behind the adapter protocol (forward and gradients).

The mapping is SPEC R3.2: a PyTorch weight ``w[c, k, f]`` is ``W[f, k, c]``;
PyTorch's symmetric ``padding=p`` is the crop ``[p p]``. What PyTorch cannot say
natively is expressed here with its own tools, nothing recomputed by hand:

- an asymmetric crop ``[l r]``: ``padding=min(l, r)``, then slice off the rest;
- ``'same'`` (R2.3): the crop ``[floor(t/2), t - floor(t/2)]`` for ``t = F - S >= 0``;
  for ``F < S``, ``output_padding = S - F`` appends the bias-only positions;
- Weights of the other float dtype are converted to the data's (R3.4).

Formats: PyTorch takes (N, C, L) and (C, L) only, so ``BCT`` and ``CT`` run here
and the runner permutes every other format into (N, C, L); PyTorch has no
output-length function either, so the runner derives it from a forward pass
(conformance/README.md). It has no layer with the vendor's properties: those
cases are skipped. PyTorch's ``ConvTranspose1d`` has no ``'same'``, so R2.3 is
resolved here (``peer_cropping``). Argument
errors are whatever PyTorch raises (mostly RuntimeError), so the cases that
expect the spec's ValueError/TypeError fail: that is a real difference.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from .peer_cropping import resolve_cropping

try:
    import torch
except ImportError as error:  # the runner reports every case skipped
    torch = None
    UNAVAILABLE: str | None = f"torch is not importable ({error})"
else:
    UNAVAILABLE = None

NAME = "torch"

# The functions take whatever a case passes, deliberately wrong arguments
# included, so their parameters are Any; results are NumPy arrays.


def _batched(x: Any, fmt: str) -> tuple[Any, bool]:
    fmt = fmt.upper()
    if fmt == "BCT":
        return x, False
    if fmt == "CT":
        return x[None], True
    raise NotImplementedError("formats other than BCT and CT (torch takes (N, C, L) or (C, L) only)")


def _forward(x: Any, w: Any, b: Any, stride: Any, cropping: Any) -> Any:
    """y from torch tensors: x (N, C, L), w (F, K, C) as in the spec."""
    # What torch cannot say at all (NotImplementedError here) is a skip ...
    left, right, output_padding = resolve_cropping(w.shape[0], stride, cropping)
    try:
        return _conv_transpose(x, w, b, stride, left, right, output_padding)
    except NotImplementedError as error:
        # ... while torch's own "not implemented for dtype" is how torch rejects an
        # input, not a gap in this adapter: report it as the error it is.
        raise RuntimeError(f"torch: {error}") from None


def _conv_transpose(x: Any, w: Any, b: Any, stride: Any, left: Any, right: Any, output_padding: Any) -> Any:
    padding = min(left, right)
    weight = w.permute(2, 1, 0)  # W[f, k, c] -> w[c, k, f] (R3.2)
    y = torch.nn.functional.conv_transpose1d(
        x, weight, b, stride=stride, padding=padding, output_padding=output_padding
    )
    extra_left, extra_right = left - padding, right - padding
    return y[..., extra_left : y.shape[-1] - extra_right]


def transposed_conv1d(
    x: Any, weights: Any, bias: Any = None, stride: Any = 1, cropping: Any = 0, fmt: str = "BCT"
) -> npt.NDArray[Any]:
    xt = torch.from_numpy(np.ascontiguousarray(x))
    xt, unbatched = _batched(xt, fmt)
    w = torch.from_numpy(np.ascontiguousarray(weights)).to(xt.dtype)
    b = None if bias is None else torch.from_numpy(np.ascontiguousarray(bias)).reshape(-1).to(xt.dtype)
    with torch.no_grad():
        y = _forward(xt, w, b, stride, cropping)
    result: npt.NDArray[Any] = y.numpy()
    return result[0] if unbatched else result


def transposed_conv1d_backward(
    x: Any, weights: Any, dy: Any, stride: Any = 1, cropping: Any = 0, fmt: str = "BCT"
) -> tuple[npt.NDArray[Any], npt.NDArray[Any], npt.NDArray[Any]]:
    xt = torch.from_numpy(np.array(x))
    xt, unbatched = _batched(xt, fmt)
    dyt = torch.from_numpy(np.array(dy)).to(xt.dtype)
    if unbatched:
        dyt = dyt[None]
    w = torch.from_numpy(np.array(weights)).to(xt.dtype)
    num_filters = w.shape[1]
    xt.requires_grad_(True)
    w.requires_grad_(True)
    b = torch.zeros(num_filters, dtype=xt.dtype, requires_grad=True)
    y = _forward(xt, w, b, stride, cropping)
    y.backward(dyt)
    dx: npt.NDArray[Any] = xt.grad.numpy()
    dw: npt.NDArray[Any] = w.grad.numpy()
    db: npt.NDArray[Any] = b.grad.numpy()
    return (dx[0] if unbatched else dx), dw, db
