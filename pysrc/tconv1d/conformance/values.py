"""Turning case data into Python/NumPy values, and comparing results with expectations."""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np
import numpy.typing as npt

#: A value of a case file, as JSON gives it (see cases.Case).
Json = Any

_SPECIAL = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}
_FLOATS = {"nan": float("nan"), "inf": float("inf"), "-inf": float("-inf")}


def _numbers(values: Json) -> Json:
    if isinstance(values, list):
        return [_numbers(v) for v in values]
    return _SPECIAL.get(values, values) if isinstance(values, str) else values


def is_array_spec(value: Json) -> bool:
    return isinstance(value, dict) and "dtype" in value and ("values" in value or "seed" in value)


def make_array(spec: dict[str, Json]) -> npt.NDArray[Any]:
    """An array from literal values or from a seeded draw (numpy.random.default_rng(seed))."""
    dtype = np.dtype(spec["dtype"])
    if "values" in spec:
        numbers = _numbers(spec["values"])
        if dtype.kind in "fc":
            return np.array(numbers, dtype=np.float64).astype(dtype)
        literal: npt.NDArray[Any] = np.array(numbers).astype(dtype)
        return literal
    rng = np.random.default_rng(spec["seed"])
    shape = tuple(spec["shape"])
    data: npt.NDArray[np.float64]
    if spec["distribution"] == "integers":
        data = rng.integers(-4, 5, size=shape).astype(np.float64)
    elif spec["distribution"] == "uniform":
        data = rng.random(shape)  # [0, 1): rounding errors of a sum do not cancel
    else:
        data = rng.standard_normal(shape)
    return data.astype(dtype)


def decode(value: Json) -> object:
    """A case value as the argument an implementation receives."""
    if is_array_spec(value):
        return make_array(value)
    if isinstance(value, dict):
        if "float" in value:
            return _FLOATS[value["float"]]
        if "tuple" in value:
            return tuple(decode(v) for v in value["tuple"])
        if "dtype" in value and "value" in value:
            return np.dtype(value["dtype"]).type(value["value"])
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def error_classes(names: list[str]) -> tuple[type[BaseException], ...]:
    return tuple(getattr(builtins, name) for name in names if name != "propagated")


def compare(
    actual: object, expected: npt.NDArray[Any], rtol: float, dtype: npt.DTypeLike | None = None
) -> tuple[bool, str, float | None]:
    """(ok, message, max_error): IEEE specials must match exactly, finite values
    within ``rtol`` relative to the largest finite magnitude of ``expected``."""
    try:
        got = np.asarray(actual)
    except Exception as failure:  # noqa: BLE001 - an unconvertible result is a failure, not a crash
        return False, f"result is not an array ({type(failure).__name__}: {failure})", None
    if got.shape != expected.shape:
        return False, f"shape {got.shape}, expected {expected.shape}", None
    if dtype is not None and got.dtype != np.dtype(dtype):
        return False, f"dtype {got.dtype}, expected {dtype}", None
    a = got.astype(np.float64)
    e = expected.astype(np.float64)
    nan_a, nan_e = np.isnan(a), np.isnan(e)
    if not np.array_equal(nan_a, nan_e):
        where = np.argwhere(nan_a != nan_e)[:3].tolist()
        return False, f"NaN positions differ (first at {where})", None
    inf_e = np.isinf(e)
    if not np.array_equal(np.isinf(a), inf_e) or not np.array_equal(a[inf_e], e[inf_e]):
        return False, "Inf positions or signs differ", None
    finite = ~(nan_e | inf_e)
    if not finite.any():
        return True, "", 0.0
    error = float(np.max(np.abs(a[finite] - e[finite]))) if finite.any() else 0.0
    scale = float(np.max(np.abs(e[finite]))) or 1.0
    relative = error / scale
    if relative > rtol:
        index = np.unravel_index(np.argmax(np.where(finite, np.abs(a - e), -1)), e.shape)
        return (
            False,
            (
                f"max error {error:.3g} (relative {relative:.3g} > rtol {rtol:g}) at {tuple(int(i) for i in index)}: "
                f"got {a[index]!r}, expected {e[index]!r}"
            ),
            error,
        )
    return True, "", error


def summarize(value: object) -> str:
    """A short description of an argument for reports."""
    if isinstance(value, np.ndarray):
        if value.size <= 8:
            return f"{value.dtype} {np.array2string(value.ravel(), separator=',')} shape {value.shape}"
        return f"{value.dtype}{tuple(value.shape)}"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
