"""Statistical checks of the initializers (SPEC R5), in NumPy alone (no SciPy).

Each check is run on one fixed-seed draw and fails when its statistic passes a
threshold chosen so that a *correct* implementation fails with probability at
most ``alpha`` (the false-alarm rate stated in the case data):

- Kolmogorov-Smirnov: ``D = sup |F_n - F|`` against the documented distribution,
  with the Dvoretzky-Kiefer-Wolfowitz bound ``P(D > e) <= 2 exp(-2 n e^2)``
  (exact for every n, so the stated rate is an upper bound);
- chi-square goodness of fit over equal bins (uniform), mean and variance
  z-tests and a tail-fraction test: asymptotic normal approximations
  (Wilson-Hilferty for chi-square), accurate for the tens of thousands of
  samples the cases draw.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np
import numpy.typing as npt

_erfc = np.frompyfunc(math.erfc, 1, 1)

Floats = npt.NDArray[np.float64]


def z_two_sided(alpha: float) -> float:
    """z with P(|N(0,1)| > z) = alpha."""
    low, high = 0.0, 40.0
    for _ in range(200):
        mid = (low + high) / 2
        if math.erfc(mid / math.sqrt(2)) > alpha:
            low = mid
        else:
            high = mid
    return high


def z_one_sided(alpha: float) -> float:
    """z with P(N(0,1) > z) = alpha."""
    return z_two_sided(2 * alpha)


def normal_cdf(values: Floats, std: float) -> Floats:
    tails: Floats = np.asarray(_erfc(-values / (std * math.sqrt(2))), dtype=np.float64)
    return 0.5 * tails


def uniform_cdf(values: Floats, low: float, high: float) -> Floats:
    return np.clip((values - low) / (high - low), 0.0, 1.0)


def ks_statistic(sample: Floats, cdf: Callable[[Floats], Floats]) -> float:
    """sup |F_n(x) - F(x)| of the empirical distribution of ``sample``."""
    ordered = np.sort(sample)
    n = ordered.size
    expected = cdf(ordered)
    above = np.arange(1, n + 1) / n - expected
    below = expected - np.arange(0, n) / n
    return float(max(above.max(), below.max()))


def ks_threshold(n: int, alpha: float) -> float:
    """DKW: P(D > threshold) <= alpha for a sample of the hypothesized distribution."""
    return math.sqrt(math.log(2 / alpha) / (2 * n))


def chi2_upper_z(statistic: float, dof: int) -> float:
    """Wilson-Hilferty: the chi-square(dof) statistic as an approximately N(0,1) z."""
    scale = 2 / (9 * dof)
    return float(((statistic / dof) ** (1 / 3) - (1 - scale)) / math.sqrt(scale))


def run_check(check: dict[str, Any], values: npt.ArrayLike) -> tuple[bool, str]:
    """(passed, message) of one check on a parameter array; ``check`` is a case's
    statistical check as its JSON gives it."""
    test = check["test"]
    sample: Floats = np.asarray(values, dtype=np.float64).ravel()
    n = sample.size
    alpha: float = check.get("alpha", 0.0)  # every statistical test states it
    if test == "shape":
        ok: bool = list(np.shape(values)) == list(check["shape"])
        return ok, f"shape {tuple(np.shape(values))}, expected {tuple(check['shape'])}"
    if test == "dtype":
        ok = bool(np.asarray(values).dtype == np.dtype(check["dtype"]))
        return ok, f"dtype {np.asarray(values).dtype}, expected {check['dtype']}"
    if test == "constant":
        bad = int(np.count_nonzero(sample != check["value"]))
        return bad == 0, f"{bad} of {n} values differ from {check['value']}"
    if test == "bounds":
        # float32 rounding may land a draw just below the bound exactly on it.
        low, high = check["low"], check["high"]
        slack = 1e-6 * max(abs(low), abs(high))
        outside = int(np.count_nonzero((sample < low - slack) | (sample > high + slack)))
        return outside == 0, (
            f"{outside} of {n} values outside [{low:.6g}, {high:.6g}] (min {sample.min():.6g}, max {sample.max():.6g})"
        )
    if test == "ks":
        if check["distribution"] == "uniform":
            low, high = check["low"], check["high"]
            statistic = ks_statistic(sample, lambda v: uniform_cdf(v, low, high))
            target = f"U({low:.6g}, {high:.6g})"
        else:
            std = check["std"]
            statistic = ks_statistic(sample, lambda v: normal_cdf(v, std))
            target = f"N(0, {std:.6g}^2)"
        threshold = ks_threshold(n, alpha)
        return (
            statistic <= threshold,
            f"KS distance to {target} D = {statistic:.4g}, threshold {threshold:.4g} (alpha {alpha:g})",
        )
    if test == "chi2_uniform":
        low, high, bins = check["low"], check["high"], check["bins"]
        inside = sample[(sample >= low) & (sample <= high)]
        if inside.size != n:
            return False, f"{n - inside.size} values outside [{low:.6g}, {high:.6g}]"
        counts, _ = np.histogram(inside, bins=bins, range=(low, high))
        expected = n / bins
        statistic = float(((counts - expected) ** 2 / expected).sum())
        z = chi2_upper_z(statistic, bins - 1)
        limit = z_one_sided(alpha)
        return (
            z <= limit,
            f"chi-square {statistic:.4g} on {bins - 1} dof (z {z:.3g}, limit {limit:.3g}, alpha {alpha:g})",
        )
    if test == "mean":
        z = float(sample.mean() / (check["std"] / math.sqrt(n)))
        limit = z_two_sided(alpha)
        return abs(z) <= limit, f"mean {sample.mean():.4g} (z {z:.3g}, limit {limit:.3g}, alpha {alpha:g})"
    if test == "variance":
        # Known mean 0: s2 = mean(x^2), Var(s2) = sigma^4 (2 + excess kurtosis) / n.
        variance = check["variance"]
        s2 = float(np.mean(sample**2))
        z = (s2 - variance) / (variance * math.sqrt((2 + check["excess_kurtosis"]) / n))
        limit = z_two_sided(alpha)
        message = f"variance {s2:.6g}, expected {variance:.6g} (z {z:.3g}, limit {limit:.3g}, alpha {alpha:g})"
        return abs(z) <= limit, message
    if test == "tail_fraction":
        p = check["expected"]
        observed = float(np.mean(np.abs(sample) > check["threshold"]))
        z = (observed - p) / math.sqrt(p * (1 - p) / n)
        limit = z_two_sided(alpha)
        return abs(z) <= limit, (
            f"fraction beyond {check['threshold']:.4g}: {observed:.4%}, expected {p:.4%} "
            f"(z {z:.3g}, limit {limit:.3g}, alpha {alpha:g})"
        )
    raise ValueError(f"unknown statistical check {test!r}")
