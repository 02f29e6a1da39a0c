"""Update steps (SPEC R6.1, R6.2, R11): one step of sgdm, adam and rmsprop equals
the vendor's formulas written out here with the layer's learn-rate and L2
factors; a factor of 0 freezes a parameter; state carries across steps; bad
input leaves the layer as it was; and a few hundred steps fit a small
upsampler (the loss falls)."""

from __future__ import annotations

import numpy as np
import pytest

import tconv1d
from tconv1d import solvers


def _layer(seed=0, **options):
    layer = tconv1d.transposed_conv1d_layer(3, 2, Stride=2, **options)
    return layer.initialize(num_channels=2, seed=seed)


def _grads(layer, seed=1):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(layer.weights.shape), rng.standard_normal(layer.bias.shape)


def test_sgdm_two_steps_follow_the_formula_with_the_factors():
    layer = _layer(WeightLearnRateFactor=2, BiasLearnRateFactor=0.5, WeightL2Factor=3, BiasL2Factor=0.25)
    w0, b0 = layer.weights.astype(np.float64), layer.bias.astype(np.float64)
    dw, db = _grads(layer)
    step = solvers.SGDM(learn_rate=0.1, momentum=0.8, l2_regularization=0.01)
    step.step(layer, dw, db)
    v_w = -(0.1 * 2) * (dw + 0.01 * 3 * w0)
    v_b = -(0.1 * 0.5) * (db + 0.01 * 0.25 * b0)
    assert np.allclose(layer.weights, w0 + v_w, rtol=1e-6)
    assert np.allclose(layer.bias, b0 + v_b, rtol=1e-6)
    w1, b1 = layer.weights.astype(np.float64), layer.bias.astype(np.float64)
    step.step(layer, dw, db)
    assert np.allclose(layer.weights, w1 + 0.8 * v_w - 0.2 * (dw + 0.03 * w1), rtol=1e-5)
    assert np.allclose(layer.bias, b1 + 0.8 * v_b - 0.05 * (db + 0.0025 * b1), rtol=1e-5)


def test_adam_two_steps_are_bias_corrected():
    layer = _layer(WeightsInitializer="ones", BiasInitializer="ones")
    layer.weights = layer.weights.astype(np.float64)
    layer.bias = layer.bias.astype(np.float64)
    dw, db = _grads(layer)
    adam = solvers.Adam(learn_rate=0.01, l2_regularization=0.0)
    theta, m, s = layer.weights.copy(), np.zeros_like(dw), np.zeros_like(dw)
    for t in (1, 2):
        adam.step(layer, dw, db)
        m = 0.9 * m + 0.1 * dw
        s = 0.999 * s + 0.001 * dw * dw
        theta = theta - 0.01 * (m / (1 - 0.9**t)) / (np.sqrt(s / (1 - 0.999**t)) + 1e-8)
        assert np.allclose(layer.weights, theta, rtol=1e-12, atol=1e-15)
    assert adam.state["weights"]["iteration"] == 2


def test_rmsprop_one_step_and_the_vendor_defaults():
    layer = _layer()
    w0 = layer.weights.astype(np.float64)
    dw, db = _grads(layer)
    rms = solvers.solver("RMSProp")
    assert (rms.learn_rate, rms.squared_gradient_decay_factor, rms.epsilon, rms.l2_regularization) == (
        0.001,
        0.9,
        1e-8,
        1e-4,
    )
    rms.step(layer, dw, db)
    g = dw + 1e-4 * layer.weight_l2_factor * w0
    assert np.allclose(layer.weights, w0 - 0.001 * g / (np.sqrt(0.1 * g * g) + 1e-8), rtol=1e-5)
    sgdm, adam = solvers.solver("sgdm"), solvers.solver("adam")
    assert (sgdm.learn_rate, sgdm.momentum, sgdm.l2_regularization) == (0.01, 0.9, 1e-4)
    assert (adam.learn_rate, adam.gradient_decay_factor, adam.squared_gradient_decay_factor) == (0.001, 0.9, 0.999)


@pytest.mark.parametrize("name", ["sgdm", "adam", "rmsprop"])
def test_a_learn_rate_factor_of_zero_freezes_the_parameter(name):
    layer = _layer(WeightLearnRateFactor=0)
    w0, b0 = layer.weights.copy(), layer.bias.copy()
    step = solvers.solver(name)
    for _ in range(3):
        step.step(layer, *_grads(layer))
    assert np.array_equal(layer.weights, w0)
    assert not np.array_equal(layer.bias, b0)
    assert "weights" not in step.state


def test_the_l2_term_alone_shrinks_the_weights():
    layer = _layer(WeightL2Factor=2, BiasL2Factor=0)
    w0, b0 = layer.weights.astype(np.float64), layer.bias.copy()
    solvers.SGDM(learn_rate=0.5, momentum=0, l2_regularization=0.1).step(
        layer, np.zeros(layer.weights.shape), np.zeros(layer.bias.shape)
    )
    assert np.allclose(layer.weights, w0 * (1 - 0.5 * 0.1 * 2), rtol=1e-6)
    assert np.array_equal(layer.bias, b0)


def test_bad_input_is_a_clear_error_and_changes_nothing():
    layer = _layer()
    w0, b0 = layer.weights.copy(), layer.bias.copy()
    step = solvers.SGDM()
    with pytest.raises(ValueError, match=r"dweights must have the shape of the layer's weights"):
        step.step(layer, np.ones((3, 2)), np.ones(2))
    with pytest.raises(ValueError, match=r"dbias must have the shape"):
        step.step(layer, np.ones(layer.weights.shape), np.ones(3))
    assert np.array_equal(layer.weights, w0) and np.array_equal(layer.bias, b0)
    step.step(layer, *_grads(layer))
    with pytest.raises(ValueError, match="another layer"):
        step.step(_layer(), *_grads(layer))
    with pytest.raises(ValueError, match="needs initialized Weights"):
        solvers.Adam().step(tconv1d.transposed_conv1d_layer(3, 2), np.ones((3, 2, 2)), np.ones((1, 2)))
    with pytest.raises(ValueError, match="solver must be one of"):
        solvers.solver("lbfgs")
    with pytest.raises(ValueError, match=r"momentum must be in \[0, 1\)"):
        solvers.SGDM(momentum=1)
    with pytest.raises(ValueError, match="epsilon must be positive"):
        solvers.Adam(epsilon=0)
    with pytest.raises(ValueError, match="learn_rate"):
        solvers.RMSProp(learn_rate=-1)


@pytest.mark.parametrize(("name", "rate"), [("sgdm", 0.05), ("adam", 0.02), ("rmsprop", 0.01)])
def test_steps_fit_a_small_upsampler(name, rate):
    rng = np.random.default_rng(5)
    target = tconv1d.transposed_conv1d_layer(4, 1, Stride=2, Cropping="same").initialize(num_channels=1, seed=9)
    x = rng.standard_normal((1, 8, 32)).astype(np.float32)  # C x B x T
    y = target.predict(x)
    layer = tconv1d.transposed_conv1d_layer(4, 1, Stride=2, Cropping="same").initialize(num_channels=1, seed=3)
    step = solvers.solver(name, learn_rate=rate)
    losses = []
    for _ in range(200):
        err = layer.predict(x) - y
        losses.append(float(np.mean(err**2)))
        _, dw, db = layer.backward(x, 2 * err / err.size)
        step.step(layer, dw, db)
    assert losses[-1] < 0.05 * losses[0]
