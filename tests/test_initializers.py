"""Initializers of the learnable parameters (SPEC R5) with fixed seeds.

The statistical checks use the Kolmogorov-Smirnov statistic, computed here in
NumPy (no SciPy): with a fixed seed each test is deterministic, and the
thresholds sit far from both the expected and the wrong distribution.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import tconv1d

F, K, C = 5, 40, 30  # numIn = 150, numOut = 200: 6000 samples per weights array
NUM_IN, NUM_OUT = F * C, F * K


def ks_statistic(sample: np.ndarray, cdf) -> float:
    """sup |empirical CDF - cdf| of a one-sample Kolmogorov-Smirnov test."""
    values = np.sort(np.asarray(sample, dtype=np.float64).ravel())
    n = values.size
    expected = cdf(values)
    above = np.arange(1, n + 1) / n - expected
    below = expected - np.arange(0, n) / n
    return float(max(above.max(), below.max()))


def uniform_cdf(bound: float):
    return lambda v: np.clip((v + bound) / (2 * bound), 0.0, 1.0)


def normal_cdf(std: float):
    erf = np.vectorize(math.erf)
    return lambda v: 0.5 * (1.0 + erf(v / (std * math.sqrt(2.0))))


def ks_critical(n: int) -> float:
    """The 1% critical value of the one-sample KS statistic for large n."""
    return 1.63 / math.sqrt(n)


def weights_with(initializer, seed=0, dtype=np.float32):
    layer = tconv1d.transposed_conv1d_layer(F, K, WeightsInitializer=initializer)
    return layer.initialize(num_channels=C, seed=seed, dtype=dtype).weights


def test_ks_statistic_matches_a_hand_computed_case():
    # Sample {0.2, 0.6} against U(0, 1): the empirical CDF is 1 from 0.6 on, where U is 0.6.
    assert ks_statistic(np.array([0.6, 0.2]), lambda v: v) == pytest.approx(0.4)


def test_glorot_uniform_bounds_and_variance():  # R5.1
    bound = math.sqrt(6.0 / (NUM_IN + NUM_OUT))
    w = weights_with("glorot", seed=1, dtype=np.float64)
    assert w.shape == (F, K, C)
    assert np.all(np.abs(w) <= bound)
    assert np.abs(w).max() > 0.99 * bound  # the whole interval is used, not a narrower one
    assert abs(w.mean()) < 0.05 * bound
    assert w.var() == pytest.approx(2.0 / (NUM_IN + NUM_OUT), rel=0.05)


def test_glorot_is_uniform_not_normal():  # R5.1
    bound = math.sqrt(6.0 / (NUM_IN + NUM_OUT))
    w = weights_with("glorot", seed=2, dtype=np.float64)
    n = w.size
    assert ks_statistic(w, uniform_cdf(bound)) < ks_critical(n)
    # A normal of the same variance is rejected by a wide margin.
    assert ks_statistic(w, normal_cdf(bound / math.sqrt(3.0))) > 2 * ks_critical(n)


def test_he_normal_variance():  # R5.2
    w = weights_with("he", seed=3, dtype=np.float64)
    std = math.sqrt(2.0 / NUM_IN)
    assert abs(w.mean()) < 0.05 * std
    assert w.var() == pytest.approx(std**2, rel=0.06)
    assert ks_statistic(w, normal_cdf(std)) < ks_critical(w.size)
    # ... and not the uniform of the same variance.
    assert ks_statistic(w, uniform_cdf(std * math.sqrt(3.0))) > 2 * ks_critical(w.size)


def test_narrownormal_weights_and_bias():  # R5.3
    layer = tconv1d.transposed_conv1d_layer(F, 3000, WeightsInitializer="narrownormal", BiasInitializer="narrownormal")
    layer.initialize(num_channels=2, seed=4, dtype=np.float64)
    for values in (layer.weights, layer.bias):
        assert values.std() == pytest.approx(0.01, rel=0.05)
        assert abs(values.mean()) < 0.001
        assert ks_statistic(values, normal_cdf(0.01)) < ks_critical(values.size)


@pytest.mark.parametrize(("name", "value"), [("zeros", 0.0), ("ones", 1.0)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_constant_initializers(name, value, dtype):  # R5.4
    layer = tconv1d.transposed_conv1d_layer(3, 4, WeightsInitializer=name, BiasInitializer=name)
    layer.initialize(num_channels=2, dtype=dtype)
    assert layer.weights.shape == (3, 4, 2) and layer.bias.shape == (1, 4)
    assert layer.weights.dtype == dtype and layer.bias.dtype == dtype
    assert np.all(layer.weights == value) and np.all(layer.bias == value)


def test_defaults_are_glorot_and_zero_bias_in_float32():  # R5.6
    layer = tconv1d.transposed_conv1d_layer(3, 4).initialize(num_channels=2, seed=0)
    assert layer.weights.dtype == np.float32 and layer.bias.dtype == np.float32
    assert np.all(layer.bias == 0)
    assert np.any(layer.weights != 0)


def test_same_seed_same_weights_different_seed_different():  # R5.6
    a = weights_with("glorot", seed=11)
    b = weights_with("glorot", seed=11)
    c = weights_with("glorot", seed=12)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_seeded_draw_is_pcg64_in_float64_rounded():  # R5.6: the same bits on every machine
    # The documented recipe, written out independently: PCG64(seed), float64 draw in
    # C order, weights first, then bias, rounded to the requested dtype.
    seed = 2022
    bound = math.sqrt(6.0 / (NUM_IN + NUM_OUT))
    rng = np.random.Generator(np.random.PCG64(seed))
    expected_w = rng.uniform(-bound, bound, (F, K, C))
    expected_b = rng.normal(0.0, 0.01, (1, K))
    layer = tconv1d.transposed_conv1d_layer(F, K, BiasInitializer="narrownormal")
    layer.initialize(num_channels=C, seed=seed)
    assert np.array_equal(layer.weights, expected_w.astype(np.float32))
    assert np.array_equal(layer.bias, expected_b.astype(np.float32))
    double = tconv1d.transposed_conv1d_layer(F, K, BiasInitializer="narrownormal")
    double.initialize(num_channels=C, seed=seed, dtype="double")
    assert np.array_equal(double.weights, expected_w)


def test_generator_seed_is_used_and_advanced():  # R5.6
    rng = np.random.default_rng(5)
    a = weights_with("he", seed=rng)
    b = weights_with("he", seed=rng)
    assert not np.array_equal(a, b)  # the generator moved on
    assert np.array_equal(a, weights_with("he", seed=np.random.default_rng(5)))


def test_unseeded_initialization_varies():
    assert not np.array_equal(weights_with("glorot", seed=None), weights_with("glorot", seed=None))


@pytest.mark.parametrize(("seed", "error"), [(-1, ValueError), (True, ValueError), (1.5, ValueError), ("0", TypeError)])
def test_bad_seed(seed, error):
    layer = tconv1d.transposed_conv1d_layer(3, 4)
    with pytest.raises(error, match="seed"):
        layer.initialize(num_channels=2, seed=seed)
    assert layer.weights is None and layer.bias is None


@pytest.mark.parametrize("dtype", [np.float16, np.int32, "complex64", bool])
def test_bad_initialize_dtype(dtype):
    with pytest.raises(TypeError, match="dtype"):
        tconv1d.transposed_conv1d_layer(3, 4).initialize(num_channels=2, dtype=dtype)


# R5.5: callables.


def test_callable_called_once_with_sizes():
    calls = []

    def weights_fn(sz):
        calls.append(("w", sz))
        return np.full(sz, 0.5)

    def bias_fn(sz):
        calls.append(("b", sz))
        return np.arange(sz[1], dtype=np.float64).reshape(sz)

    layer = tconv1d.transposed_conv1d_layer(3, 4, WeightsInitializer=weights_fn, BiasInitializer=bias_fn)
    layer.initialize(num_channels=2)
    assert calls == [("w", (3, 4, 2)), ("b", (1, 4))]
    assert layer.weights.dtype == np.float32 and np.all(layer.weights == 0.5)
    assert np.array_equal(layer.bias, [[0, 1, 2, 3]])
    layer.predict(np.ones((2, 1, 5), np.float32))
    assert len(calls) == 2  # not called again once the parameters exist


def test_callable_result_is_copied():
    kept = np.ones((3, 4, 2))
    layer = tconv1d.transposed_conv1d_layer(3, 4, WeightsInitializer=lambda sz: kept).initialize(
        num_channels=2, dtype="double"
    )
    kept[:] = 7
    assert np.all(layer.weights == 1)


def test_callable_may_return_a_list():
    layer = tconv1d.transposed_conv1d_layer(1, 2, BiasInitializer=lambda sz: [[0.25, 0.5]])
    layer.initialize(num_channels=1)
    assert np.array_equal(layer.bias, np.array([[0.25, 0.5]], np.float32))


@pytest.mark.parametrize("shape", [(3, 4), (3, 4, 3), (4, 3, 2), (1, 3, 4, 2), ()])
def test_callable_wrong_size_is_a_value_error(shape):
    layer = tconv1d.transposed_conv1d_layer(3, 4, WeightsInitializer=lambda sz: np.zeros(shape))
    with pytest.raises(ValueError, match=r"WeightsInitializer must return an array of size 3×4×2"):
        layer.initialize(num_channels=2)
    assert layer.weights is None and layer.bias is None


def test_bias_callable_wrong_size_is_a_value_error():
    layer = tconv1d.transposed_conv1d_layer(3, 4, BiasInitializer=lambda sz: np.zeros(4))
    with pytest.raises(ValueError, match=r"BiasInitializer must return an array of size 1×4"):
        layer.initialize(num_channels=2)
    assert layer.weights is None  # nothing is stored when a part fails


def test_exception_inside_callable_propagates_unchanged():
    class Boom(Exception):
        pass

    raised = Boom("from inside")

    def weights_fn(sz):
        raise raised

    layer = tconv1d.transposed_conv1d_layer(3, 4, WeightsInitializer=weights_fn)
    with pytest.raises(Boom) as info:
        layer.initialize(num_channels=2)
    assert info.value is raised
    with pytest.raises(Boom):
        layer.predict(np.ones((2, 1, 5), np.float32))  # the lazy path too
    assert layer.weights is None and layer.num_channels == "auto"


@pytest.mark.parametrize("dtype", [np.int64, np.int8, bool, np.complex128, np.float16])
def test_callable_result_of_a_non_float_dtype_is_rejected(dtype):  # R1.6
    layer = tconv1d.transposed_conv1d_layer(3, 4, WeightsInitializer=lambda sz: np.zeros(sz, dtype=dtype))
    with pytest.raises(TypeError, match="WeightsInitializer"):
        layer.initialize(num_channels=2)


@pytest.mark.parametrize(
    ("option", "value", "error"),
    [
        ("WeightsInitializer", "xavier", ValueError),
        ("WeightsInitializer", 3, TypeError),
        ("BiasInitializer", "glorot", ValueError),
        ("BiasInitializer", "he", ValueError),
        ("BiasInitializer", None, TypeError),
    ],
)
def test_bad_initializer_names_the_option(option, value, error):
    with pytest.raises(error, match=option):
        tconv1d.transposed_conv1d_layer(3, 4, **{option: value})
    layer = tconv1d.transposed_conv1d_layer(3, 4)
    with pytest.raises(error, match=option):
        setattr(layer, "weights_initializer" if option == "WeightsInitializer" else "bias_initializer", value)


def test_initializer_properties_are_settable():
    layer = tconv1d.transposed_conv1d_layer(3, 4)
    layer.weights_initializer = "ONES"
    layer.bias_initializer = "Ones"
    layer.initialize(num_channels=1)
    assert layer.weights_initializer == "ones"
    assert np.all(layer.weights == 1) and np.all(layer.bias == 1)
