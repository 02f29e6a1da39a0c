"""The conformance suite as a validator of the peers (conformance/README.md,
"Verdicts"): how many cases each peer runs, and the verdicts the README explains
— the real differences from the documented behaviour fail, what the peer gets
right passes. Each peer's test is skipped where the peer is not installed."""

from __future__ import annotations

import collections
import os

import pytest

from tconv1d.conformance import run_cases
from tconv1d.conformance.adapters import load_adapter
from tconv1d.conformance.checks import FAILED, PASSED, SKIPPED

pytestmark = pytest.mark.peers

# Keras reads its backend once, at its first import.
os.environ.setdefault("KERAS_BACKEND", "torch")


def _adapter(name: str, *modules: str) -> object:
    for module in modules:
        pytest.importorskip(module)
    adapter = load_adapter(name)
    if getattr(adapter, "UNAVAILABLE", None):
        pytest.skip(adapter.UNAVAILABLE)
    return adapter


def _statuses(adapter: object, *categories: str) -> dict[str, str]:
    return {r.id: r.status for r in run_cases(adapter, categories=categories or None)}


def test_torch_runs_600_cases_and_fails_only_where_it_differs():
    statuses = _statuses(_adapter("torch", "torch"))
    counts = collections.Counter(statuses.values())
    assert counts[PASSED] + counts[FAILED] >= 600, counts
    # Every value PyTorch computes agrees: all crops, formats (permuted), gradients.
    for case_id, status in statuses.items():
        if (
            case_id.startswith(("cropping/", "formats/", "gradients/random/", "gradients/adjoint/"))
            and "/error/" not in case_id
        ):
            assert status == PASSED, case_id
    # Real differences: the stride 2^63 - 1 wraps to -1 inside PyTorch; a crop past
    # the output gives an empty array instead of an error (R2.2).
    assert statuses["numerics/limit/stride-int64-max-L1"] == FAILED
    assert statuses["numerics/error/lout-below-one"] == FAILED
    # What it cannot say is skipped, not failed: the layer object.
    assert all(s == SKIPPED for i, s in statuses.items() if i.startswith(("properties/", "initializers/")))


def test_onnxruntime_runs_450_cases_and_its_same_differs_when_f_below_s():
    statuses = _statuses(_adapter("onnxruntime", "onnx", "onnxruntime"))
    counts = collections.Counter(statuses.values())
    assert counts[PASSED] + counts[FAILED] >= 450, counts
    # auto_pad SAME_UPPER agrees with R2.3 for F >= S, odd totals included ...
    assert statuses["cropping/values/L4-F4-S1-same-float32"] == PASSED
    assert statuses["cropping/values/L2-F7-S2-same-float32"] == PASSED
    # ... and drops the S - F bias-only positions when F < S.
    assert statuses["cropping/values/L3-F2-S3-same-float32"] == FAILED
    assert statuses["output_size/same/F1-S2"] == FAILED
    assert statuses["output_size/same/F3-S2"] == PASSED
    # float64 is what its CPU ConvTranspose cannot run.
    assert statuses["numerics/onnx-test-convtranspose-1d"] == SKIPPED


def test_keras_verdicts():
    adapter = _adapter("keras", "keras", "torch")
    statuses = _statuses(adapter, "cropping", "numerics", "gradients", "formats")
    # "same" (odd totals, F < S included) and explicit crops through Cropping1D agree.
    assert all(s == PASSED for i, s in statuses.items() if i.startswith("cropping/")), statuses
    # "valid" keeps max(F, S) positions per sample: F < S without a crop differs (R2.1).
    assert statuses["numerics/upsample-by-zero-insertion"] == FAILED
    # Gradients through the torch backend agree.
    assert all(s == PASSED for i, s in statuses.items() if i.startswith(("gradients/random/", "gradients/adjoint/")))
    # API contract: integer data is cast to float32 instead of rejected (R3.4).
    assert statuses["numerics/dtype/reject-int64-data"] == FAILED


@pytest.mark.parametrize("name", ["torch", "onnxruntime", "keras"])
def test_peer_adapters_load_or_report_why_not(name):
    adapter = load_adapter(name)
    reason = getattr(adapter, "UNAVAILABLE", None)
    assert reason is None or name in reason or "importable" in reason
    assert name == adapter.NAME
