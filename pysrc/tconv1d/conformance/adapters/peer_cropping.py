"""How the peer adapters express a Cropping value: the peers (PyTorch, ONNX
Runtime) know symmetric or per-side padding and ``output_padding``, not the
spec's ``'same'``, so it is resolved here by R2.3, without asking tconv1d."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def resolve_cropping(filter_size: int, stride: Any, cropping: Any) -> tuple[Any, Any, Any]:
    """(left, right, output_padding) of a Cropping value, per R2.3.

    Values are passed on as given (a 2.5 or a bool reaches the peer, whose own
    reaction is then judged); what the peer has no way to say at all — a
    cropping string other than 'same', a cropping of other than two values — is
    *not implemented*, so those cases are skipped rather than judged on this
    module's behalf."""
    if isinstance(cropping, str):
        if cropping.lower() != "same":
            raise NotImplementedError(f"a cropping string other than 'same' ({cropping!r}): the peer has no strings")
        total = filter_size - stride
        if total >= 0:
            return total // 2, total - total // 2, 0
        return 0, 0, stride - filter_size  # F < S: the bias-only extension is output_padding
    if isinstance(cropping, Sequence) or hasattr(cropping, "__len__"):
        if len(cropping) != 2:
            raise NotImplementedError(f"a cropping of {len(cropping)} values: the peer takes one per side")
        return cropping[0], cropping[1], 0
    return cropping, cropping, 0
