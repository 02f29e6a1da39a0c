"""The training cases: R6.1 and R6.2 through one update step (R11) of each solver.

The expected Weights and Bias after the step are computed here from the
formulas of SPEC R11.2 in plain Python floats: learning rate
``learn_rate · LearnRateFactor`` (0 freezes), gradient ``g + l2 · L2Factor · θ``.
"""

from __future__ import annotations

import math

from .spec import arr

DESCRIPTION = "R6.1, R6.2: learn-rate and L2 factors in one update step of sgdm, adam and rmsprop (R11)"

EPSILON = 1e-8


def _step(solver, theta, grad, rate, l2, options):
    """One step of ``solver`` on a flat list of parameters (R11.2), from zero state."""
    if rate == 0:
        return list(theta)
    g = [gi + l2 * ti for gi, ti in zip(grad, theta)]
    if solver == "sgdm":
        return [ti - rate * gi for ti, gi in zip(theta, g)]  # v = 0·γ − α g
    if solver == "rmsprop":
        beta2 = options["squared_gradient_decay_factor"]
        return [ti - rate * gi / (math.sqrt((1 - beta2) * gi * gi) + EPSILON) for ti, gi in zip(theta, g)]
    beta1, beta2 = options["gradient_decay_factor"], options["squared_gradient_decay_factor"]
    out = []
    for ti, gi in zip(theta, g):
        m_hat = (1 - beta1) * gi / (1 - beta1)
        s_hat = (1 - beta2) * gi * gi / (1 - beta2)
        out.append(ti - rate * m_hat / (math.sqrt(s_hat) + EPSILON))
    return out


def _nest(flat, shape):
    if len(shape) == 1:
        return list(flat)
    size = len(flat) // shape[0]
    return [_nest(flat[i * size : (i + 1) * size], shape[1:]) for i in range(shape[0])]


SOLVER_OPTIONS = {
    "sgdm": {"momentum": 0.9},
    "adam": {"gradient_decay_factor": 0.9, "squared_gradient_decay_factor": 0.999, "epsilon": EPSILON},
    "rmsprop": {"squared_gradient_decay_factor": 0.9, "epsilon": EPSILON},
}


def cases():
    # FilterSize 2, NumFilters 2, NumChannels 1: Weights 2x2x1, Bias 1x2.
    w_shape, b_shape = (2, 2, 1), (1, 2)
    weights = [0.5, -1.25, 2.0, 0.75]
    bias = [0.25, -0.5]
    dweights = [0.125, -0.5, 1.5, -2.0]
    dbias = [-0.75, 0.375]
    plans = [  # (spec, learn_rate, l2, factors, what)
        ("R6.1", 0.1, 0.0, {"WeightLearnRateFactor": 2, "BiasLearnRateFactor": 0}, "learn-rate factors 2 and 0 (Bias frozen)"),
        ("R6.2", 0.1, 0.01, {"WeightL2Factor": 3, "BiasL2Factor": 0.5}, "L2 factors 3 and 0.5 with global L2 0.01"),
    ]  # fmt: skip
    out = []
    for solver, solver_options in SOLVER_OPTIONS.items():
        for spec, learn_rate, l2, factors, what in plans:
            w_rate = learn_rate * factors.get("WeightLearnRateFactor", 1)
            b_rate = learn_rate * factors.get("BiasLearnRateFactor", 1)
            w_l2 = l2 * factors.get("WeightL2Factor", 1)
            b_l2 = l2 * factors.get("BiasL2Factor", 0)  # the layer's default BiasL2Factor is 0
            new_w = _step(solver, weights, dweights, w_rate, w_l2, solver_options)
            new_b = _step(solver, bias, dbias, b_rate, b_l2, solver_options)
            out.append(
                {
                    "id": f"training/{solver}/{spec}",
                    "spec": spec,
                    "kind": "update_step",
                    "description": f"one {solver} step from zero state: {what}",
                    "args": [2, 2],
                    "options": {"Weights": arr(_nest(weights, w_shape)), "Bias": arr(_nest(bias, b_shape)), **factors},
                    "solver": solver,
                    "solver_options": {"learn_rate": learn_rate, "l2_regularization": l2, **solver_options},
                    "dweights": arr(_nest(dweights, w_shape)),
                    "dbias": arr(_nest(dbias, b_shape)),
                    "expect": {
                        "weights": arr(_nest(new_w, w_shape)),
                        "bias": arr(_nest(new_b, b_shape)),
                        "rtol": 1e-12,
                    },
                }
            )
    return out
