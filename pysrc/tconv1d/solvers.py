"""Update steps for the layer's Weights and Bias (SPEC R6.1, R6.2, R11): the
vendor's solvers sgdm, adam and rmsprop with the vendor's default
hyperparameters.

A solver object holds its state (velocity, moments, step count) for one layer;
``step(layer, dweights, dbias)`` takes the loss gradients that
``layer.backward`` returned and updates the layer's Weights and Bias:

- the gradient gains the L2 term ``global_l2 · L2Factor · θ`` (R6.2), with
  ``global_l2`` the solver's ``l2_regularization`` and the factor the layer's
  WeightL2Factor or BiasL2Factor;
- the learning rate of a parameter is ``learn_rate · LearnRateFactor`` (R6.1);
  a factor of 0 freezes the parameter (it is left untouched, its state too).

The formulas (θ a parameter, g its regularized gradient, α its learning rate):

- sgdm:    v ← γ·v − α·g;  θ ← θ + v                                 (γ: momentum)
- rmsprop: s ← β₂·s + (1 − β₂)·g²;  θ ← θ − α·g / (√s + ε)
- adam:    m ← β₁·m + (1 − β₁)·g;  s ← β₂·s + (1 − β₂)·g²;  t ← t + 1;
           θ ← θ − α·(m / (1 − β₁ᵗ)) / (√(s / (1 − β₂ᵗ)) + ε)         (bias-corrected)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from .arguments import as_nonnegative_scalar

__all__ = ["SGDM", "Adam", "RMSProp", "solver"]


def _as_fraction(value: Any, name: str) -> float:
    scalar = as_nonnegative_scalar(value, name)
    if not scalar < 1:
        raise ValueError(f"{name} must be in [0, 1), got {scalar}")
    return scalar


def _as_positive(value: Any, name: str) -> float:
    scalar = as_nonnegative_scalar(value, name)
    if scalar == 0:
        raise ValueError(f"{name} must be positive, got {scalar}")
    return scalar


class _Solver:
    """What every solver shares: the factors, the L2 term and the per-parameter state."""

    def __init__(self, learn_rate: Any, l2_regularization: Any) -> None:
        self.learn_rate = as_nonnegative_scalar(learn_rate, "learn_rate")
        self.l2_regularization = as_nonnegative_scalar(l2_regularization, "l2_regularization")
        self.state: dict[str, dict[str, Any]] = {}  # "weights" / "bias" -> that parameter's state
        self._layer_id: int | None = None

    def step(self, layer: Any, dweights: npt.ArrayLike, dbias: npt.ArrayLike) -> None:
        """One update of ``layer.weights`` and ``layer.bias`` from their loss gradients."""
        if layer.weights is None or layer.bias is None:
            raise ValueError("step needs initialized Weights and Bias; call initialize() or predict() first")
        if self._layer_id is None:
            self._layer_id = id(layer)
        elif self._layer_id != id(layer):
            raise ValueError("this solver's state belongs to another layer; make one solver per layer")
        params = {
            "weights": (layer.weights, dweights, layer.weight_learn_rate_factor, layer.weight_l2_factor),
            "bias": (layer.bias, dbias, layer.bias_learn_rate_factor, layer.bias_l2_factor),
        }
        updated = {}
        for name, (theta, grad, lr_factor, l2_factor) in params.items():
            g = np.asarray(grad)
            if g.shape != theta.shape:
                if name == "bias" and g.size == theta.size:
                    g = g.reshape(theta.shape)  # (NumFilters,) as transposed_conv1d_backward gives it
                else:
                    raise ValueError(f"d{name} must have the shape of the layer's {name} {theta.shape}, got {g.shape}")
            if not np.issubdtype(g.dtype, np.floating):
                raise TypeError(f"d{name} must be a float array, got {g.dtype}")
            rate = self.learn_rate * lr_factor
            if rate == 0:  # R6.1: a factor of 0 freezes the parameter
                continue
            g = g.astype(theta.dtype, copy=False) + (self.l2_regularization * l2_factor) * theta  # R6.2
            updated[name] = self._update(name, theta, g, rate)
        # Both are computed before either is assigned: a bad gradient leaves the layer as it was.
        for name, value in updated.items():
            setattr(layer, name, value)

    def _slot(self, name: str, key: str, like: np.ndarray) -> np.ndarray:
        slot = self.state.setdefault(name, {})
        if key not in slot or slot[key].shape != like.shape:
            slot[key] = np.zeros_like(like)
        return slot[key]  # type: ignore[no-any-return]

    def _update(self, name: str, theta: np.ndarray, g: np.ndarray, rate: float) -> np.ndarray:
        raise NotImplementedError


class SGDM(_Solver):
    """Stochastic gradient descent with momentum (vendor defaults: learn rate 0.01, momentum 0.9, L2 1e-4)."""

    def __init__(self, learn_rate: Any = 0.01, momentum: Any = 0.9, l2_regularization: Any = 1e-4) -> None:
        super().__init__(learn_rate, l2_regularization)
        self.momentum = _as_fraction(momentum, "momentum")

    def _update(self, name: str, theta: np.ndarray, g: np.ndarray, rate: float) -> np.ndarray:
        v = self._slot(name, "velocity", theta)
        v *= self.momentum
        v -= rate * g
        updated: np.ndarray = theta + v
        return updated


class RMSProp(_Solver):
    """RMSProp (vendor defaults: learn rate 0.001, squared-gradient decay 0.9, epsilon 1e-8, L2 1e-4)."""

    def __init__(
        self,
        learn_rate: Any = 0.001,
        squared_gradient_decay_factor: Any = 0.9,
        epsilon: Any = 1e-8,
        l2_regularization: Any = 1e-4,
    ) -> None:
        super().__init__(learn_rate, l2_regularization)
        self.squared_gradient_decay_factor = _as_fraction(
            squared_gradient_decay_factor, "squared_gradient_decay_factor"
        )
        self.epsilon = _as_positive(epsilon, "epsilon")

    def _update(self, name: str, theta: np.ndarray, g: np.ndarray, rate: float) -> np.ndarray:
        beta2 = self.squared_gradient_decay_factor
        s = self._slot(name, "squared_average", theta)
        s *= beta2
        s += (1 - beta2) * g * g
        updated: np.ndarray = theta - rate * g / (np.sqrt(s) + self.epsilon)
        return updated


class Adam(_Solver):
    """Adam (vendor defaults: learn rate 0.001, gradient decay 0.9, squared-gradient decay 0.999, epsilon 1e-8, L2 1e-4)."""

    def __init__(
        self,
        learn_rate: Any = 0.001,
        gradient_decay_factor: Any = 0.9,
        squared_gradient_decay_factor: Any = 0.999,
        epsilon: Any = 1e-8,
        l2_regularization: Any = 1e-4,
    ) -> None:
        super().__init__(learn_rate, l2_regularization)
        self.gradient_decay_factor = _as_fraction(gradient_decay_factor, "gradient_decay_factor")
        self.squared_gradient_decay_factor = _as_fraction(
            squared_gradient_decay_factor, "squared_gradient_decay_factor"
        )
        self.epsilon = _as_positive(epsilon, "epsilon")

    def _update(self, name: str, theta: np.ndarray, g: np.ndarray, rate: float) -> np.ndarray:
        beta1, beta2 = self.gradient_decay_factor, self.squared_gradient_decay_factor
        m = self._slot(name, "average", theta)
        s = self._slot(name, "squared_average", theta)
        slot = self.state[name]
        slot["iteration"] = t = slot.get("iteration", 0) + 1
        m *= beta1
        m += (1 - beta1) * g
        s *= beta2
        s += (1 - beta2) * g * g
        m_hat = m / (1 - beta1**t)
        s_hat = s / (1 - beta2**t)
        updated: np.ndarray = theta - rate * m_hat / (np.sqrt(s_hat) + self.epsilon)
        return updated


_SOLVERS: dict[str, type[_Solver]] = {"sgdm": SGDM, "adam": Adam, "rmsprop": RMSProp}


def solver(name: str, **options: Any) -> _Solver:
    """The solver named as the vendor names it ('sgdm', 'adam', 'rmsprop', any case) with ``options``."""
    if not isinstance(name, str) or name.lower() not in _SOLVERS:
        raise ValueError(f"solver must be one of 'sgdm', 'adam', 'rmsprop', got {name!r}")
    return _SOLVERS[name.lower()](**options)
