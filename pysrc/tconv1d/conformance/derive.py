"""What an implementation lacks, derived from what it has (conformance/README.md).

- ``output_length`` from a forward pass on zeros, where the adapter has no
  ``output_length`` but has ``transposed_conv1d``: the length of the output's
  last axis. Sizes that do not make arrays of 1 to ``MAX_DERIVED`` elements
  (zero, negative, huge or non-integer ones; NumPy integers do) cannot be run this way — and a
  forward pass has no size argument whose name its error could give: those
  cases stay skipped, with that reason.
- Data formats: when the adapter's pass refuses a format with
  ``NotImplementedError`` (it takes only (N, C, L), say), the runner permutes
  the arrays into (N, C, L) — formats with two batch axes merged into one,
  formats without one given a batch of 1 — calls it with ``"BCT"``, and puts
  the results back in the case's format. A permutation is not a skip. A format
  string the spec does not list is passed through untouched (its case then
  tests the implementation's own refusal).

The runner reports which of these it used (``NOTES``).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..formats import Format, parse_format

#: Largest array the derived output_length builds (elements).
MAX_DERIVED = 1 << 22

Function = Callable[..., Any]


class CannotDerive(NotImplementedError):
    """The missing function cannot be derived for these arguments (the case is skipped)."""


def _array_size(n: Any) -> int | None:
    """``n`` as an array dimension when it is an integer (Python or NumPy, not bool) >= 1."""
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or n < 1:
        return None
    return int(n)


def output_length_from_forward(forward: Function) -> Function:
    def output_length(length: Any, filter_size: Any, stride: Any = 1, cropping: Any = 0) -> int:
        length_n, filter_n = _array_size(length), _array_size(filter_size)
        if length_n is None or filter_n is None or length_n * filter_n > MAX_DERIVED:
            raise CannotDerive(
                f"output_length, and L={length!r}, F={filter_size!r} cannot be run as a forward "
                "pass on zeros to derive it"
            )
        # float32: what every runtime computes in; a NumPy integer size makes the
        # same array as the Python integer it equals.
        x = np.zeros((1, 1, length_n), np.float32)
        weights = np.zeros((filter_n, 1, 1), np.float32)
        y = forward(x=x, weights=weights, bias=None, stride=stride, cropping=cropping, fmt="BCT")
        return int(np.shape(y)[-1])

    return output_length


def _format(fmt: Any, ndim: int) -> Format | None:
    try:
        return parse_format(fmt, ndim)
    except (TypeError, ValueError):
        return None


def _to_ncl(array: Any, fmt: Format) -> tuple[np.ndarray, tuple[int, ...]]:
    """(N, C, L) values of ``array`` and the sizes of its real batch axes."""
    array = np.asarray(array)
    batch_shape = tuple(array.shape[axis] for axis in fmt.batch_axes)
    canonical = fmt.canonical(array)  # (B1, B2, C, L), missing batch axes of size 1
    return np.ascontiguousarray(canonical.reshape(-1, *canonical.shape[2:])), batch_shape


def _from_ncl(array: Any, fmt: Format, batch_shape: tuple[int, ...]) -> np.ndarray:
    """The inverse of _to_ncl for a result (N, K, Lout)."""
    array = np.asarray(array)
    in_order = array.reshape(*batch_shape, *array.shape[1:])  # (batch axes..., K, Lout)
    order = (*fmt.batch_axes, fmt.channel_axis, fmt.spatial_axis)
    restored: np.ndarray = in_order.transpose(np.argsort(order))
    return restored


def forward_with_permutation(forward: Function, notes: set[str]) -> Function:
    def transposed_conv1d(
        x: Any, weights: Any, bias: Any = None, stride: Any = 1, cropping: Any = 0, fmt: Any = "BCT"
    ) -> Any:
        try:
            return forward(x=x, weights=weights, bias=bias, stride=stride, cropping=cropping, fmt=fmt)
        except CannotDerive:
            raise
        except NotImplementedError:
            parsed = _format(fmt, np.ndim(x))
            if parsed is None or parsed.labels == "BCT":
                raise
        notes.add("formats: permuted into (N, C, L) for the implementation")
        x_ncl, batch_shape = _to_ncl(x, parsed)
        y = forward(x=x_ncl, weights=weights, bias=bias, stride=stride, cropping=cropping, fmt="BCT")
        return _from_ncl(y, parsed, batch_shape)

    return transposed_conv1d


def backward_with_permutation(backward: Function, notes: set[str]) -> Function:
    def transposed_conv1d_backward(
        x: Any, weights: Any, dy: Any, stride: Any = 1, cropping: Any = 0, fmt: Any = "BCT"
    ) -> Any:
        try:
            return backward(x=x, weights=weights, dy=dy, stride=stride, cropping=cropping, fmt=fmt)
        except NotImplementedError:
            parsed = _format(fmt, np.ndim(x))
            if parsed is None or parsed.labels == "BCT" or _format(fmt, np.ndim(dy)) is None:
                raise
        notes.add("formats: permuted into (N, C, L) for the implementation")
        x_ncl, batch_shape = _to_ncl(x, parsed)
        dy_ncl, _ = _to_ncl(dy, parsed)
        dx, dw, db = backward(x=x_ncl, weights=weights, dy=dy_ncl, stride=stride, cropping=cropping, fmt="BCT")
        return _from_ncl(dx, parsed, batch_shape), dw, db

    return transposed_conv1d_backward
