"""A small, correct layer (SPEC R1, R5) for the conformance tests: the baseline
the layer mutants break, and a check that the ``properties`` and ``initializers``
cases pass on a correct implementation even where tconv1d's own layer is absent.

Not the product's layer: it is written from SPEC.md alone, as plainly as
possible, with its own argument checks and tests/oracles.py for its forward
pass; nothing of the package is used by the layer. (The module re-exports the
package's functions at the bottom only so that it is a complete adapter.)
"""

from __future__ import annotations

import difflib
import math
import numbers

import numpy as np
import oracles

import tconv1d

OPTIONS = {
    "stride": "Stride",
    "cropping": "Cropping",
    "num_channels": "NumChannels",
    "weights_initializer": "WeightsInitializer",
    "bias_initializer": "BiasInitializer",
    "weights": "Weights",
    "bias": "Bias",
    "weight_learn_rate_factor": "WeightLearnRateFactor",
    "bias_learn_rate_factor": "BiasLearnRateFactor",
    "weight_l2_factor": "WeightL2Factor",
    "bias_l2_factor": "BiasL2Factor",
    "name": "Name",
}
_SPELLINGS = {**{s: s for s in OPTIONS}, **{v.lower(): s for s, v in OPTIONS.items()}}
WEIGHTS_INITIALIZERS = ("glorot", "he", "narrownormal", "zeros", "ones")
BIAS_INITIALIZERS = ("zeros", "narrownormal", "ones")
_FACTORS = ("weight_learn_rate_factor", "bias_learn_rate_factor", "weight_l2_factor", "bias_l2_factor")


# ---- argument checks, from SPEC R1.1 (integers), R1.3 (choices), R6.3 (factors)


def as_integer(value, name, minimum=1):
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be an integer, got the boolean {value!r}")
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    if not math.isfinite(float(value)) or float(value) != int(float(value)):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    result = int(value) if isinstance(value, numbers.Integral) else int(float(value))
    if result < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {result}")
    if result > 2**63 - 1:
        raise OverflowError(f"{name} = {result} does not fit in 64 bits")
    return result


def match_choice(value, name, choices):
    if not isinstance(value, str):
        raise TypeError(f"{name} must be one of {list(choices)}, got {type(value).__name__} {value!r}")
    for choice in choices:
        if value.lower() == choice:
            return choice
    raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}")


def as_nonnegative_scalar(value, name):
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be a nonnegative scalar, got the boolean {value!r}")
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a nonnegative scalar, got {type(value).__name__} {value!r}")
    if not math.isfinite(float(value)) or float(value) < 0:
        raise ValueError(f"{name} must be a nonnegative finite scalar, got {value!r}")
    return float(value)


def as_cropping(value):
    """(mode, [l, r]) of a Cropping value: n, [l r] or 'same'."""
    if isinstance(value, str):
        match_choice(value, "Cropping", ("same",))
        return "same", [0, 0]
    if isinstance(value, (list, tuple)) or (isinstance(value, np.ndarray) and value.ndim == 1):
        if len(value) != 2:
            raise ValueError(f"Cropping must be a nonnegative integer, a pair [l r] or 'same', got {value!r}")
        return "manual", [as_integer(value[0], "Cropping", 0), as_integer(value[1], "Cropping", 0)]
    if isinstance(value, (numbers.Real, np.generic)):
        amount = as_integer(value, "Cropping", 0)
        return "manual", [amount, amount]
    raise TypeError(f"Cropping must be a nonnegative integer, a pair [l r] or 'same', got {type(value).__name__}")


def _parameter(value, name):
    array = np.asarray(value)
    if array.dtype not in (np.float32, np.float64):
        raise TypeError(f"{name} must be float32 or float64, got {array.dtype}")
    return array


class Layer:
    def __init__(self, filter_size, num_filters, **options):
        self._filter_size = as_integer(filter_size, "filter_size")
        self._num_filters = as_integer(num_filters, "num_filters")
        parsed = {}
        for key, value in options.items():
            snake = _SPELLINGS.get(key.lower())
            if snake is None:
                close = difflib.get_close_matches(key.lower(), list(_SPELLINGS), n=1)
                raise TypeError(f"unknown option {key!r}; closest: {close}; valid: {sorted(OPTIONS.values())}")
            parsed[snake] = value
        self.stride = parsed.get("stride", 1)
        self.cropping_mode, self.cropping_size = as_cropping(parsed.get("cropping", 0))
        self.num_channels = parsed.get("num_channels", "auto")
        self.weights_initializer = parsed.get("weights_initializer", "glorot")
        self.bias_initializer = parsed.get("bias_initializer", "zeros")
        defaults = dict(zip(_FACTORS, (1, 1, 1, 0)))
        for factor in _FACTORS:
            setattr(self, factor, parsed.get(factor, defaults[factor]))
        self.name = parsed.get("name", "")
        self._weights = self._bias = None
        if parsed.get("weights") is not None:
            self.weights = parsed["weights"]
        if parsed.get("bias") is not None:
            self.bias = parsed["bias"]

    filter_size = property(lambda self: self._filter_size)
    num_filters = property(lambda self: self._num_filters)

    @property
    def stride(self):
        return self._stride

    @stride.setter
    def stride(self, value):
        self._stride = as_integer(value, "Stride")

    @property
    def num_channels(self):
        return self._num_channels

    @num_channels.setter
    def num_channels(self, value):
        self._num_channels = (
            match_choice(value, "NumChannels", ("auto",))
            if isinstance(value, str)
            else as_integer(value, "NumChannels")
        )

    def _initializer(self, value, name, choices):
        return value if callable(value) else match_choice(value, name, choices)

    weights_initializer = property(
        lambda self: self._wi,
        lambda self, v: setattr(self, "_wi", self._initializer(v, "WeightsInitializer", WEIGHTS_INITIALIZERS)),
    )
    bias_initializer = property(
        lambda self: self._bi,
        lambda self, v: setattr(self, "_bi", self._initializer(v, "BiasInitializer", BIAS_INITIALIZERS)),
    )

    def __setattr__(self, key, value):
        if key in _FACTORS:
            value = as_nonnegative_scalar(value, OPTIONS[key])
        super().__setattr__(key, value)

    @property
    def weights(self):
        return self._weights

    @weights.setter
    def weights(self, value):
        array = _parameter(value, "Weights")
        channels = self.num_channels if self.num_channels != "auto" else (array.shape[2] if array.ndim == 3 else 1)
        expected = (self.filter_size, self.num_filters, channels)
        if array.shape != expected:
            raise ValueError(f"Weights must have size {expected} (NumChannels {self.num_channels}), got {array.shape}")
        self.num_channels = channels
        self._weights = array

    @property
    def bias(self):
        return self._bias

    @bias.setter
    def bias(self, value):
        array = _parameter(value, "Bias")
        if array.shape != (1, self.num_filters):
            raise ValueError(f"Bias must have size (1, {self.num_filters}), got {array.shape}")
        self._bias = array

    def _draw(self, initializer, size, num_in, num_out, rng):
        if callable(initializer):
            values = _parameter(initializer(size), "initializer result")
            if values.shape != size:
                raise ValueError(f"the initializer must return size {size}, got {values.shape}")
            return values.astype(np.float32)
        if initializer in ("zeros", "ones"):
            return np.full(size, 1.0 if initializer == "ones" else 0.0, dtype=np.float32)
        return self._random(initializer, size, num_in, num_out, rng).astype(np.float32)

    def _random(self, initializer, size, num_in, num_out, rng):
        if initializer == "glorot":
            bound = math.sqrt(6 / (num_in + num_out))
            return rng.uniform(-bound, bound, size)
        if initializer == "he":
            return rng.normal(0, math.sqrt(2 / num_in), size)
        return rng.normal(0, 0.01, size)

    def initialize(self, num_channels=None, seed=None):
        if num_channels is not None and self.num_channels == "auto":
            self.num_channels = num_channels
        elif num_channels is not None and num_channels != self.num_channels:
            raise ValueError(
                f"num_channels = {num_channels} conflicts with the layer's NumChannels = {self.num_channels}"
            )
        rng = np.random.default_rng(seed)
        if self._weights is None:
            channels = self.num_channels
            size = (self.filter_size, self.num_filters, channels)
            self._weights = self._draw(
                self.weights_initializer, size, self.filter_size * channels, self.filter_size * self.num_filters, rng
            )
        if self._bias is None:
            self._bias = self._draw(self.bias_initializer, (1, self.num_filters), 0, 0, rng)
        return self

    def predict(self, x, fmt="BCT"):
        if self._weights is None or self._bias is None:
            self.initialize(num_channels=np.shape(x)[fmt.upper().index("C")])
        cropping = "same" if self.cropping_mode == "same" else self.cropping_size
        y = oracles.forward(oracles.to_ncl(x, fmt), self.weights, self.bias.ravel(), self.stride, cropping)
        return oracles.from_ncl(y, fmt, np.shape(x)).astype(np.asarray(x).dtype)

    def __str__(self):
        def learnable(value):
            if value is None:
                return "[]"
            return "×".join(map(str, value.shape)) + (" single" if value.dtype == np.float32 else " double")

        channels = "'auto'" if self.num_channels == "auto" else str(self.num_channels)
        rows = [
            "  TransposedConvolution1DLayer with properties:",
            "",
            f"            Name: '{self.name}'",
            "",
            "   Hyperparameters",
            f"      FilterSize: {self.filter_size}",
            f"     NumChannels: {channels}",
            f"      NumFilters: {self.num_filters}",
            f"          Stride: {self.stride}",
            f"    CroppingMode: '{self.cropping_mode}'",
            f"    CroppingSize: [{self.cropping_size[0]} {self.cropping_size[1]}]",
            "",
            "   Learnable Parameters",
            f"         Weights: {learnable(self.weights)}",
            f"            Bias: {learnable(self.bias)}",
            "",
            "  Use properties method to see a list of all properties.",
        ]
        return "\n".join(rows)


def transposed_conv1d_layer(filter_size, num_filters, **options):
    return Layer(filter_size, num_filters, **options)


# The functional API is this package's, so the module is a complete implementation.
transposed_conv1d = tconv1d.transposed_conv1d
transposed_conv1d_backward = tconv1d.transposed_conv1d_backward
output_length = tconv1d.output_length
NAME = "correct layer (tests)"
