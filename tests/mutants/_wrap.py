"""Shared plumbing of the mutants: each mutant re-exports this package's
functions and the correct test layer, then replaces the one thing it breaks."""

from __future__ import annotations

import numpy as np

import tconv1d

from . import _correct_layer


def spatial_axis(fmt: str) -> int:
    labels = fmt.upper()
    return labels.index("S") if "S" in labels else labels.index("T")


def same_crop(filter_size: int, stride: int):
    total = filter_size - stride
    return (total // 2, total - total // 2) if total >= 0 else None


transposed_conv1d = tconv1d.transposed_conv1d
transposed_conv1d_backward = tconv1d.transposed_conv1d_backward
output_length = tconv1d.output_length
transposed_conv1d_layer = _correct_layer.transposed_conv1d_layer
Layer = _correct_layer.Layer
__all__ = ["Layer", "np", "same_crop", "spatial_axis", "tconv1d"]
