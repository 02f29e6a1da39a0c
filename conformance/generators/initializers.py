"""The initializers cases: R5: every initializer, statistically with fixed seeds, and callables."""

from __future__ import annotations

import math

from .spec import ALPHA, RTOL, arr, ramp, rnd

DESCRIPTION = "R5: every initializer, statistically with fixed seeds, and callables"


def z_two_sided(alpha: float) -> float:
    """The z with P(|N(0,1)| > z) = alpha (bisection on erfc; no SciPy)."""
    low, high = 0.0, 40.0
    for _ in range(200):
        mid = (low + high) / 2
        if math.erfc(mid / math.sqrt(2)) > alpha:
            low = mid
        else:
            high = mid
    return high


def cases():
    cases = []
    z = z_two_sided(ALPHA)
    # A large layer so that each statistic is sharp: F=4, K=64, C=100 -> 25,600 weights.
    filter_size, filters, channels = 4, 64, 100
    num_in, num_out = filter_size * channels, filter_size * filters
    size = [filter_size, filters, channels]

    def stats(case_id, spec, initializer, checks, description, seed=12345, parameter="weights", options=None):
        options = dict(options or {})
        if initializer is not None:
            options["WeightsInitializer" if parameter == "weights" else "BiasInitializer"] = initializer
        cases.append(
            {
                "id": f"initializers/{case_id}",
                "spec": spec,
                "kind": "layer_initializer",
                "description": description,
                "args": [filter_size, filters] if parameter == "weights" else [1, 20000],
                "options": options,
                "initialize": {"num_channels": channels if parameter == "weights" else 1, "seed": seed},
                "parameter": parameter,
                "checks": checks,
            }
        )

    bound = math.sqrt(6 / (num_in + num_out))
    glorot_var = 2 / (num_in + num_out)
    note = (
        f"each statistical check has a false-alarm rate of at most {ALPHA:g} for a correct implementation "
        f"(two-sided z = {z:.4f}; KS thresholds from the DKW inequality)"
    )
    stats(
        "glorot/shape-dtype",
        "R5.6",
        "glorot",
        [{"test": "shape", "shape": size}, {"test": "dtype", "dtype": "float32"}],
        "initialized parameters are float32, of size F x K x C",
    )
    stats(
        "glorot/bounds",
        "R5.1",
        "glorot",
        [{"test": "bounds", "low": -bound, "high": bound}],
        f"every value in [-a, a], a = sqrt(6/(numIn+numOut)) = {bound:.6g}",
    )
    stats(
        "glorot/uniform-ks",
        "R5.1",
        "glorot",
        [{"test": "ks", "distribution": "uniform", "low": -bound, "high": bound, "alpha": ALPHA}],
        "Kolmogorov-Smirnov against U(-a, a); tells uniform from a normal of the same variance. " + note,
    )
    stats(
        "glorot/uniform-chi2",
        "R5.1",
        "glorot",
        [{"test": "chi2_uniform", "low": -bound, "high": bound, "bins": 32, "alpha": ALPHA}],
        "chi-square goodness of fit over 32 equal bins of [-a, a]. " + note,
    )
    stats(
        "glorot/variance",
        "R5.1",
        "glorot",
        [
            {"test": "mean", "std": math.sqrt(glorot_var), "alpha": ALPHA},
            {"test": "variance", "variance": glorot_var, "excess_kurtosis": -1.2, "alpha": ALPHA},
        ],
        f"mean 0 and variance 2/(numIn+numOut) = {glorot_var:.6g}. " + note,
    )
    he_std = math.sqrt(2 / num_in)
    stats(
        "he/normal-ks",
        "R5.2",
        "he",
        [{"test": "ks", "distribution": "normal", "std": he_std, "alpha": ALPHA}],
        f"Kolmogorov-Smirnov against N(0, 2/numIn), sd = {he_std:.6g}. " + note,
    )
    stats(
        "he/variance",
        "R5.2",
        "he",
        [
            {"test": "mean", "std": he_std, "alpha": ALPHA},
            {"test": "variance", "variance": he_std**2, "excess_kurtosis": 0.0, "alpha": ALPHA},
        ],
        "mean 0 and variance 2/numIn (numIn = FilterSize*NumChannels, not numOut nor their sum). " + note,
    )
    stats(
        "he/normal-tails",
        "R5.2",
        "he",
        [{"test": "tail_fraction", "threshold": 2 * he_std, "expected": math.erfc(2 / math.sqrt(2)), "alpha": ALPHA}],
        "the fraction beyond 2 sd is 4.55% (a uniform of the same variance has none beyond 1.73 sd). " + note,
    )
    stats(
        "narrownormal/weights",
        "R5.3",
        "narrownormal",
        [
            {"test": "ks", "distribution": "normal", "std": 0.01, "alpha": ALPHA},
            {"test": "variance", "variance": 1e-4, "excess_kurtosis": 0.0, "alpha": ALPHA},
        ],
        "N(0, 0.01^2) whatever the layer size. " + note,
    )
    stats(
        "narrownormal/bias",
        "R5.3",
        "narrownormal",
        [
            {"test": "shape", "shape": [1, 20000]},
            {"test": "dtype", "dtype": "float32"},
            {"test": "ks", "distribution": "normal", "std": 0.01, "alpha": ALPHA},
            {"test": "variance", "variance": 1e-4, "excess_kurtosis": 0.0, "alpha": ALPHA},
        ],
        "bias of 1 x 20000 from N(0, 0.01^2). " + note,
        parameter="bias",
    )
    for name, value in (("zeros", 0.0), ("ones", 1.0)):
        stats(
            f"{name}/weights",
            "R5.4",
            name,
            [{"test": "constant", "value": value}, {"test": "shape", "shape": size}],
            f"every weight exactly {value:g}",
        )
        stats(
            f"{name}/bias",
            "R5.4",
            name,
            [{"test": "constant", "value": value}, {"test": "shape", "shape": [1, 20000]}],
            f"every bias exactly {value:g}",
            parameter="bias",
        )
    stats(
        "default/bias-zeros",
        "R5.4",
        None,
        [{"test": "constant", "value": 0.0}],
        "BiasInitializer defaults to zeros",
        parameter="bias",
    )
    stats(
        "default/weights-glorot",
        "R5.1",
        None,
        [
            {"test": "bounds", "low": -bound, "high": bound},
            {"test": "ks", "distribution": "uniform", "low": -bound, "high": bound, "alpha": ALPHA},
        ],
        "WeightsInitializer defaults to glorot. " + note,
    )

    # Callables (R5.5): the runner passes a recording function.
    for parameter, expected in (("weights", [3, 2, 4]), ("bias", [1, 2])):
        common = {"args": [3, 2], "initialize": {"num_channels": 4, "seed": 0}, "parameter": parameter}
        cases.append(
            {
                "id": f"initializers/callable/{parameter}-size",
                "spec": "R5.5",
                "kind": "layer_initializer_callable",
                **common,
                "behaviour": "fill",
                "fill": 0.25,
                "expect": {"calls": [expected], "constant": 0.25},
            }
        )
        cases.append(
            {
                "id": f"initializers/callable/{parameter}-wrong-size",
                "spec": "R5.5",
                "kind": "layer_initializer_callable",
                **common,
                "behaviour": "wrong_size",
                "expect": {"error": ["ValueError"]},
            }
        )
        cases.append(
            {
                "id": f"initializers/callable/{parameter}-raises",
                "spec": "R5.5",
                "kind": "layer_initializer_callable",
                **common,
                "behaviour": "raise",
                "expect": {"error": ["propagated"]},
                "description": "an exception raised inside the callable reaches the caller unchanged",
            }
        )
    # Reproducibility (R5.6).
    for initializer in ("glorot", "he", "narrownormal"):
        cases.append(
            {
                "id": f"initializers/seed/{initializer}",
                "spec": "R5.6",
                "kind": "layer_initializer_seed",
                "args": [5, 4],
                "options": {"WeightsInitializer": initializer, "BiasInitializer": "narrownormal"},
                "num_channels": 3,
                "seed": 7,
                "other_seed": 8,
                "description": "the same seed gives the same parameters; another seed other parameters",
            }
        )
    # Lazy initialization at the first forward call: NumChannels 'auto' is taken from the input (R5).
    cases.append(
        {
            "id": "initializers/lazy-at-first-predict",
            "spec": "R5",
            "kind": "layer_predict",
            "args": [3, 2],
            "options": {"Stride": 2, "Cropping": "same"},
            "x": rnd((5, 4, 2), 6001, "float32"),
            "fmt": "TCB",
            "expect": {
                "properties": {"num_channels": 4},
                "weights_shape": [3, 2, 4],
                "bias_shape": [1, 2],
                "shape": [10, 2, 2],
                "rtol": RTOL["float32"],
            },
            "description": "predict on 4-channel TCB data initializes 3x2x4 weights; y = forward(x) with them",
        }
    )
    # Weights given, Bias empty: the first predict fills the Bias with its initializer and
    # adds it (ones here, so an implementation that skips the Bias, or adds it only later,
    # computes the wrong y).
    cases.append(
        {
            "id": "initializers/predict-fills-empty-bias",
            "spec": "R5",
            "kind": "layer_predict",
            "args": [2, 2],
            "options": {
                "Weights": arr([[[0.5, -1.0], [0.25, 2.0]], [[1.5, 0.75], [-0.5, 1.0]]], "float32"),
                "BiasInitializer": "ones",
                "Stride": 2,
            },
            "x": rnd((2, 2, 3), 6003, "float32"),
            "fmt": "CBT",
            "expect": {
                "properties": {"num_channels": 2, "bias": arr([[1.0, 1.0]], "float32")},
                "weights_shape": [2, 2, 2],
                "bias_shape": [1, 2],
                "shape": [2, 2, 6],
                "rtol": RTOL["float32"],
            },
            "description": "Weights given and Bias empty at the first predict: Bias = ones(1, 2) and y includes it",
        }
    )
    cases.append(
        {
            "id": "initializers/predict-channel-mismatch",
            "spec": "R4.4",
            "kind": "layer_predict",
            "args": [3, 2],
            "options": {"NumChannels": 3},
            "x": rnd((2, 4, 5), 6002, "float32"),
            "fmt": "BCT",
            "expect": {"error": ["ValueError"], "message_contains": ["4", "3"]},
            "description": "NumChannels 3, data with 4 channels",
        }
    )
    # Only empty parameters are initialized (R5).
    cases.append(
        {
            "id": "initializers/keeps-given-weights",
            "spec": "R5",
            "kind": "layer",
            "args": [2, 1],
            "options": {"Weights": arr([[[0.5]], [[0.25]]], "float32"), "WeightsInitializer": "ones"},
            "initialize": {"num_channels": None, "seed": 0},
            "expect": {"properties": {"weights": arr([[[0.5]], [[0.25]]], "float32"), "bias": arr([[0.0]], "float32")}},
        }
    )
    cases.append(
        {
            "id": "initializers/initialize-fixes-channels",
            "spec": "R5",
            "kind": "layer",
            "args": [3, 2],
            "options": {"WeightsInitializer": "ones"},
            "initialize": {"num_channels": 6, "seed": 0},
            "expect": {"properties": {"num_channels": 6, "weights": arr(ramp((3, 2, 6), 1, 0), "float32")}},
        }
    )
    return cases
