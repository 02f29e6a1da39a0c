"""Data formats (SPEC R4): a label string per array axis -> the canonical
(batch_outer, batch_inner, channel, position) view the kernels take, and back.

The views are made with transpose and expand_dims only, so no format costs a
copy of the data; outputs are allocated in the input's own axis order.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Optional

import numpy.typing as npt

# How canonical() reaches the (batch_outer, batch_inner, channel, position)
# view: the axis order (None when already in order) and the index that adds
# the missing batch axes.
_ViewPlan = tuple[Optional[tuple[int, ...]], tuple[None, ...]]

#: The supported formats as written in the vendor's table, with the upsampled axis (R4.1).
SUPPORTED_FORMATS = ("SCB", "CBT", "SCBT", "SC", "CT", "SCT")
_SUPPORTED_SETS = {frozenset(f): f for f in SUPPORTED_FORMATS}


def _supported_text() -> str:
    return ", ".join(SUPPORTED_FORMATS) + " (labels in any axis order)"


@dataclass(frozen=True)
class Format:
    """A validated format: where each role sits among the array's axes."""

    labels: str  # as given, upper-cased, one per axis
    channel_axis: int
    spatial_axis: int  # the upsampled axis: S if present, else T
    batch_axes: tuple[int, ...]  # zero, one or two axes that act as batch

    @property
    def ndim(self) -> int:
        return len(self.labels)

    @functools.cached_property
    def _view_plan(self) -> _ViewPlan:
        # (axis order, or None when already in order; index adding the missing batch axes).
        order = (*self.batch_axes, self.channel_axis, self.spatial_axis)
        missing = (None,) * (2 - len(self.batch_axes))  # missing batch axes: leading size-1 axes
        return (None if order == tuple(range(len(order))) else order), missing

    def canonical(self, array: npt.NDArray[Any]) -> npt.NDArray[Any]:
        """A (batch_outer, batch_inner, channel, position) view of ``array``."""
        order, missing = self._view_plan
        view = array if order is None else array.transpose(order)
        return view[missing] if missing else view

    def canonical_layout(self, shape: Sequence[int], strides: Sequence[int]) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """The (shape, strides) of :meth:`canonical`'s view, from an array's own shape and
        strides, for array types whose view objects cost more than the arithmetic."""
        order, missing = self._view_plan
        if order is not None:
            shape = tuple(shape[axis] for axis in order)
            strides = tuple(strides[axis] for axis in order)
        pad = len(missing)
        return (1,) * pad + tuple(shape), (0,) * pad + tuple(strides)

    def output_shape(self, shape: Sequence[int], channels: int, length: int) -> tuple[int, ...]:
        """The shape of an array of this format with the channel and upsampled sizes replaced."""
        out = list(shape)
        out[self.channel_axis] = channels
        out[self.spatial_axis] = length
        return tuple(out)

    def batch_size(self, shape: Sequence[int]) -> int:
        size = 1
        for axis in self.batch_axes:
            size *= shape[axis]
        return size


def _quoted(fmt: str) -> str:
    """The format as an error message shows it: quoted, and cut short when long."""
    text = repr(fmt)
    return text if len(text) <= 40 else text[:30] + f"...' ({len(fmt)} characters)"


def parse_format(fmt: object, ndim: int) -> Format:
    """Validate a format string against an array of ``ndim`` axes (R4.1-R4.3)."""
    if not isinstance(fmt, str):
        raise TypeError(f"fmt must be a format string such as 'BCT', got {type(fmt).__name__}")
    return _parse_format(fmt, ndim)


@functools.lru_cache(maxsize=256)
def _parse_format(fmt: str, ndim: int) -> Format:
    # Cached: a few distinct formats are parsed again on every call otherwise.
    # Labels are ASCII letters: str.upper() would turn the long s 'ſ' into 'S'
    # and a ligature into two letters, accepting what no table lists.
    if not fmt.isascii():
        raise ValueError(
            f"fmt {_quoted(fmt)} has a label that is not an ASCII letter; supported formats: {_supported_text()}"
        )
    labels = fmt.upper()
    if len(labels) != ndim:
        raise ValueError(
            f"fmt {_quoted(fmt)} has {len(labels)} labels but the array has {ndim} dimensions; "
            f"supported formats: {_supported_text()}"
        )
    if len(set(labels)) != len(labels) or frozenset(labels) not in _SUPPORTED_SETS:
        raise ValueError(f"fmt {_quoted(fmt)} is not supported; supported formats: {_supported_text()}")
    spatial_label = "S" if "S" in labels else "T"
    batch = tuple(i for i, label in enumerate(labels) if label in "BT" and label != spatial_label)
    return Format(labels, labels.index("C"), labels.index(spatial_label), batch)


def check_channels(fmt: Format, shape: Sequence[int], channels: int, name: str = "x") -> None:
    """R4.4: the size along the format's C axis must be the weights' NumChannels."""
    have = shape[fmt.channel_axis]
    if have != channels:
        raise ValueError(
            f"{name} has {have} channels (axis {fmt.channel_axis} of format {fmt.labels!r}) "
            f"but the weights have NumChannels = {channels}"
        )
