"""Initial values of the learnable parameters (SPEC R5) and the dtype rule for
parameter arrays (R1.6).

Random draws come from ``numpy.random.Generator(PCG64(seed))`` in float64 and
are then rounded to the requested dtype. PCG64 is a fixed integer algorithm
and NumPy's uniform and ziggurat-normal samplers do not depend on the CPU, so
with one NumPy version the same seed gives the same weights on every machine;
the float32 weights are exactly the float64 ones rounded, and a GPU backend is
given these host-drawn values rather than drawing its own.
Weights are drawn first, then the bias, from the same generator.
"""

from __future__ import annotations

import math
import sys
from typing import Any, Callable, Union, cast

import numpy as np

from .arguments import as_integer, match_choice
from .arrays import as_core_array, float_dtype

WEIGHTS_INITIALIZERS = ("glorot", "he", "narrownormal", "zeros", "ones")
BIAS_INITIALIZERS = ("zeros", "narrownormal", "ones")
NARROW_NORMAL_STD = 0.01

#: A named initializer, or a callable ``f(sz)`` returning an array of size ``sz`` (R5.5).
Initializer = Union[str, Callable[[tuple[int, ...]], Any]]


def as_initializer(value: object, name: str, choices: tuple[str, ...]) -> Initializer:
    """A named initializer (matched case-insensitively, R1.3) or a callable ``f(sz)``."""
    if callable(value):
        return cast(Callable[[tuple[int, ...]], Any], value)
    if not isinstance(value, str):
        raise TypeError(
            f"{name} must be one of {list(choices)} or a callable f(sz), got {type(value).__name__} {value!r}"
        )
    try:
        return match_choice(value, name, choices)
    except ValueError:
        raise ValueError(f"{name} must be one of {list(choices)} or a callable f(sz), got {value!r}") from None


def as_parameter_dtype(dtype: Any, name: str = "dtype") -> np.dtype:
    """float32 or float64 ('single' / 'double'); anything else is a TypeError."""
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{name} must be float32 or float64 (single or double), got {dtype!r}") from None
    return float_dtype(resolved, name)


def as_parameter_array(value: Any, name: str) -> np.ndarray:
    """A learnable-parameter array: float32 or float64 only (R1.6).

    Integer, boolean and complex arrays are rejected rather than converted,
    since a silently rounded or truncated parameter is a bug waiting to happen;
    float16 is rejected because the computation has no half-precision path.
    """
    array = np.asarray(value)
    try:
        dtype = float_dtype(array.dtype, name)
    except TypeError:
        raise TypeError(
            f"{name} must be a float32 or float64 (single or double) array, got dtype {array.dtype}"
        ) from None
    return as_core_array(array, dtype)


def as_generator(seed: Any) -> np.random.Generator:
    """A Generator from ``None`` (fresh entropy), a nonnegative integer seed or a Generator."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.Generator(np.random.PCG64())
    return np.random.Generator(np.random.PCG64(as_integer(seed, "seed", minimum=0)))


def _initial_values(
    initializer: Initializer,
    name: str,
    size: tuple[int, ...],
    num_in: int,
    num_out: int,
    rng: np.random.Generator,
    dtype: np.dtype,
) -> np.ndarray:
    if callable(initializer):
        # Called exactly once; an exception inside propagates unchanged (R5.5).
        result = as_parameter_array(initializer(size), f"the result of {name}")
        if result.shape != size:
            expected = "×".join(map(str, size))
            got = "×".join(map(str, result.shape)) or "scalar"
            raise ValueError(f"{name} must return an array of size {expected} {size}, got {got} {result.shape}")
        # astype copies, so the layer never shares memory with what the callable may keep.
        return result.astype(dtype, copy=True)
    # The built-in initializers draw in float64: a size beyond memory is an error
    # that names the parameter's size, not NumPy's "array is too big".
    text = "×".join(map(str, size))
    parameter = name.replace("Initializer", "")
    if math.prod(size) * 8 > sys.maxsize:
        raise OverflowError(f"{parameter} of size {text} do not fit in this process's memory")
    try:
        return _builtin_values(initializer, size, num_in, num_out, rng, dtype)
    except MemoryError:
        raise MemoryError(f"cannot allocate {parameter} of size {text}") from None


def _builtin_values(
    initializer: str, size: tuple[int, ...], num_in: int, num_out: int, rng: np.random.Generator, dtype: np.dtype
) -> np.ndarray:
    if initializer == "zeros":
        return np.zeros(size, dtype=dtype)
    if initializer == "ones":
        return np.ones(size, dtype=dtype)
    if initializer == "glorot":
        bound = math.sqrt(6.0 / (num_in + num_out))
        return rng.uniform(-bound, bound, size).astype(dtype)
    if initializer == "he":
        return rng.normal(0.0, math.sqrt(2.0 / num_in), size).astype(dtype)
    if initializer == "narrownormal":
        return rng.normal(0.0, NARROW_NORMAL_STD, size).astype(dtype)
    raise AssertionError(f"unvalidated initializer {initializer!r}")  # as_initializer guards this


def initial_weights(
    initializer: Initializer,
    filter_size: int,
    num_filters: int,
    num_channels: int,
    rng: np.random.Generator,
    dtype: Any = np.float32,
) -> np.ndarray:
    """Weights of size FilterSize × NumFilters × NumChannels (R5.1-R5.5).

    ``numIn = FilterSize·NumChannels``, ``numOut = FilterSize·NumFilters``.
    """
    size = (filter_size, num_filters, num_channels)
    return _initial_values(
        initializer,
        "WeightsInitializer",
        size,
        filter_size * num_channels,
        filter_size * num_filters,
        rng,
        as_parameter_dtype(dtype),
    )


def initial_bias(
    initializer: Initializer, num_filters: int, rng: np.random.Generator, dtype: Any = np.float32
) -> np.ndarray:
    """Bias of size 1 × NumFilters (R5.3-R5.5)."""
    return _initial_values(initializer, "BiasInitializer", (1, num_filters), 0, 0, rng, as_parameter_dtype(dtype))
