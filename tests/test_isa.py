"""Every micro-kernel body this CPU can run (forced with TCONV1D_ISA), with every
strategy of the passes (forced with TCONV1D_STRATEGY), matches an independent
numpy oracle for all four passes; an unknown or unsupported value is refused
with a clear error, never silently replaced. Each runs in a fresh interpreter
because both are chosen once per process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

# Which CPU kernel body or strategy runs does not change these tests' outcome.
pytestmark = pytest.mark.body_independent

BODIES = ["portable", "baseline", "avx2", "avx512"]
STRATEGIES = ["per-item", "batched", "taps", "dots", "rows", "direct"]

# The child computes the passes with tconv1d and with a numpy loop nest written
# from SPEC R3 (scatter form, float64), and prints the relative errors.
CHILD = textwrap.dedent(
    """
    import json
    import numpy as np
    import tconv1d
    from tconv1d import _core

    def oracle(x, w, b, dy, stride, left, out_len):
        n_batch, channels, length = x.shape
        size, filters, _ = w.shape
        full = (length - 1) * stride + size
        x, w, b, dy = (a.astype(np.float64) for a in (x, w, b, dy))
        y_full = np.zeros((n_batch, filters, max(full, left + out_len)))
        for f in range(size):
            # yfull[n, k, i*S + f] += sum_c W[f, k, c] x[n, c, i]
            y_full[:, :, f : f + (length - 1) * stride + 1 : stride] += np.einsum("kc,nci->nki", w[f], x)
        y = y_full[:, :, left : left + out_len] + b[None, :, None]
        dy_full = np.zeros((n_batch, filters, y_full.shape[2]))
        dy_full[:, :, left : left + out_len] = dy
        dx = np.zeros_like(x)
        dw = np.zeros_like(w)
        for f in range(size):
            window = dy_full[:, :, f : f + (length - 1) * stride + 1 : stride]
            dx += np.einsum("kc,nki->nci", w[f], window)
            dw[f] = np.einsum("nci,nki->kc", x, window)
        return y, dx, dw, dy.sum(axis=(0, 2))

    def rel(want, got):
        return float(np.linalg.norm(want - got) / max(np.linalg.norm(want), 1e-300))

    errors = {}
    rng = np.random.default_rng(3)
    for dtype in ("float32", "float64"):
        for shape in [(3, 40, 24, 11, 4, 37, "same"), (2, 17, 30, 4, 2, 90, [1, 2]),
                      (2, 5, 3, 2, 5, 8, "same"), (1, 64, 64, 3, 1, 100, [1, 1]),
                      (9, 20, 13, 5, 2, 3, 0), (12, 1, 7, 6, 3, 5, "same"), (5, 9, 1, 7, 7, 1, [2, 3]),
                      (2, 3, 4, 3, 1, 700, 0), (1, 512, 8, 3, 5, 1200, [7, 2]),
                      (3, 37, 24, 6, 2, 5, [2, 1]), (1, 200, 96, 16, 4, 4, 0),
                      (2, 256, 250, 5, 2, 60, [1, 2]), (2, 16, 2, 16, 2, 9001, [3, 1]),
                      (2, 24, 16, 3, 7, 170, [1, 4]), (2, 8, 5, 3, 40, 120, "same"),
                      (8, 128, 64, 2, 5, 17, "same"), (8, 128, 61, 3, 7, 33, 0),
                      (32, 24, 40, 4, 2, 1, "same"), (40, 32, 48, 6, 3, 1, [1, 2])]:
            n_batch, channels, filters, size, stride, length, cropping = shape
            g = tconv1d.resolve_geometry(length, size, stride, cropping)
            x = rng.standard_normal((n_batch, channels, length)).astype(dtype)
            w = rng.standard_normal((size, filters, channels)).astype(dtype)
            b = rng.standard_normal(filters).astype(dtype)
            dy = rng.standard_normal((n_batch, filters, g.out_length)).astype(dtype)
            y = tconv1d.transposed_conv1d(x, w, b, stride=stride, cropping=cropping)
            dx, dw, db = tconv1d.transposed_conv1d_backward(x, w, dy, stride=stride, cropping=cropping)
            want = oracle(x, w, b, dy, stride, g.crop_left, g.out_length)
            key = dtype + " " + "x".join(map(str, shape[:6]))
            errors[key] = [rel(a, b_) for a, b_ in zip(want, (y, dx, dw, db))]
    print(json.dumps({"body": _core.simd_level(), "errors": errors}))
    """
)


def run_child(**env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", CHILD], env=dict(os.environ, **env), capture_output=True, text=True, timeout=300
    )


def assert_within_r35(report: dict, what: str) -> None:
    for case, errs in report["errors"].items():
        tol = 1e-12 if case.startswith("float64") else 1e-5  # R3.5
        assert max(errs) < tol, f"{what} {case}: relative errors (y, dx, dw, db) = {errs}"


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("isa", BODIES)
def test_body_and_strategy_match_numpy_oracle(isa, strategy):
    result = run_child(TCONV1D_ISA=isa, TCONV1D_STRATEGY=strategy)
    if result.returncode != 0 and "not supported by this CPU" in result.stderr:
        pytest.skip(f"this CPU cannot run the {isa} body")
    if result.returncode != 0 and "this build has no" in result.stderr:
        pytest.skip(f"this build has no {isa} body")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["body"] == isa
    assert_within_r35(report, f"{isa} {strategy}")


def test_unknown_body_is_refused():
    result = run_child(TCONV1D_ISA="avx9000")
    assert result.returncode != 0
    assert "TCONV1D_ISA" in result.stderr and "avx9000" in result.stderr


def test_unknown_strategy_is_refused():
    result = run_child(TCONV1D_STRATEGY="fastest")
    assert result.returncode != 0
    assert "ValueError" in result.stderr
    assert "TCONV1D_STRATEGY" in result.stderr and "fastest" in result.stderr
