"""How the peer adapters express a Cropping value: the peers (PyTorch, ONNX
Runtime) know symmetric or per-side padding and ``output_padding``, not the
spec's ``'same'``, so it is resolved here by R2.3, without asking tconv1d."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Union

#: A Cropping as the cases give it: n, [l, r] or "same".
CroppingValue = Union[int, str, Sequence[int]]


def resolve_cropping(filter_size: int, stride: int, cropping: CroppingValue) -> tuple[int, int, int]:
    """(left, right, output_padding) of a Cropping value, per R2.3."""
    if isinstance(cropping, str):
        if cropping.lower() != "same":
            raise ValueError(f"cropping must be a nonnegative integer, a pair or 'same', got {cropping!r}")
        total = filter_size - stride
        if total >= 0:
            return total // 2, total - total // 2, 0
        return 0, 0, stride - filter_size  # F < S: the bias-only extension is output_padding
    if isinstance(cropping, Sequence):
        return int(cropping[0]), int(cropping[1]), 0
    return int(cropping), int(cropping), 0
