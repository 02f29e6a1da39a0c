"""Validation of scalar arguments shared by the functions and the layer (SPEC R1.1, R1.3, R2.5).

Every error names the argument and the value received.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

INT64_MAX = 2**63 - 1


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def as_integer(value: Any, name: str, *, minimum: int = 1) -> int:
    """An integer-valued argument: any integer type or an integral float (R1.1).

    Booleans, non-integral and non-finite values and values below ``minimum``
    raise ValueError; values beyond 64 bits raise OverflowError (R2.5);
    non-numbers raise TypeError.
    """
    if type(value) is int and minimum <= value <= INT64_MAX:  # fast path for the common case
        return value
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be an integer, got the boolean {value!r}")
    if isinstance(value, numbers.Integral):
        result = int(value)
    elif isinstance(value, numbers.Real):
        as_float = float(value)
        if not math.isfinite(as_float):
            raise ValueError(f"{name} must be a finite integer, got {_describe(value)}")
        if not as_float.is_integer():
            raise ValueError(f"{name} must be an integer, got the non-integral {_describe(value)}")
        result = int(as_float)
    elif isinstance(value, np.ndarray) and value.ndim == 0:
        return as_integer(value.item(), name, minimum=minimum)
    else:
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {_describe(value)}")
    if result < minimum:
        kind = "a positive" if minimum == 1 else "a nonnegative" if minimum == 0 else f">= {minimum}"
        raise ValueError(f"{name} must be {kind} integer, got {result}")
    if result > INT64_MAX:
        raise OverflowError(f"{name} = {result} does not fit in 64 bits")
    return result


def as_nonnegative_scalar(value: Any, name: str) -> float:
    """A nonnegative finite real scalar (the learn-rate and L2 factors, R6.3)."""
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be a nonnegative scalar, got the boolean {value!r}")
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a nonnegative scalar, got {type(value).__name__} {_describe(value)}")
    as_float = float(value)
    if not math.isfinite(as_float) or as_float < 0:
        raise ValueError(f"{name} must be a nonnegative finite scalar, got {_describe(value)}")
    return as_float


def match_choice(value: Any, name: str, choices: tuple[str, ...]) -> str:
    """A string option matched case-insensitively (R1.3); returns the canonical spelling."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be one of {list(choices)}, got {type(value).__name__} {_describe(value)}")
    for choice in choices:
        if value.lower() == choice.lower():
            return choice
    raise ValueError(f"{name} must be one of {list(choices)}, got {_describe(value)}")


class Cropping:
    """A parsed Cropping argument: ``n``, ``[l r]`` or ``"same"``."""

    __slots__ = ("left", "right", "same")

    def __init__(self, same: bool, left: int = 0, right: int = 0):
        self.same = same
        self.left = left
        self.right = right

    @property
    def mode(self) -> str:
        return "same" if self.same else "manual"

    def __repr__(self) -> str:
        return "Cropping('same')" if self.same else f"Cropping([{self.left} {self.right}])"


def as_cropping(value: Any, name: str = "Cropping") -> Cropping:
    """Parse a Cropping argument (R1): nonnegative ``n``, a pair ``[l r]`` or ``"same"``."""
    if isinstance(value, Cropping):
        return value
    if type(value) is int and 0 <= value <= INT64_MAX:  # fast path for the common case
        return Cropping(False, value, value)
    if isinstance(value, str):
        match_choice(value, name, ("same",))
        return Cropping(True)
    if isinstance(value, (numbers.Real, np.generic)) or (isinstance(value, np.ndarray) and value.ndim == 0):
        amount = as_integer(value, name, minimum=0)
        return Cropping(False, amount, amount)
    if isinstance(value, (list, tuple, np.ndarray)):
        # A pair is one-dimensional: [[1], [1]] is not [1 1].
        items = list(value) if not isinstance(value, np.ndarray) or value.ndim == 1 else []
        if len(items) != 2:
            raise ValueError(f"{name} must be a nonnegative integer, a pair [l r] or 'same', got {_describe(value)}")
        return Cropping(
            False, as_integer(items[0], f"{name} left", minimum=0), as_integer(items[1], f"{name} right", minimum=0)
        )
    raise TypeError(
        f"{name} must be a nonnegative integer, a pair [l r] or 'same', got {type(value).__name__} {_describe(value)}"
    )
