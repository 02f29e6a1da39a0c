"""The layer as an ONNX model (SPEC R10): for every cropping mode ("same" with an
odd crop total and with FilterSize < Stride included), every data format (labels
in several axis orders) and both dtypes, the exported model computes what
``predict`` / ``transposed_conv1d`` compute, on inputs of two batch sizes and
lengths (the dims are symbolic). float32 runs in ONNX Runtime; float64, which
ONNX Runtime 1.32 has no ConvTranspose kernel for, in the onnx package's
reference evaluator. Skipped without the onnx package (an optional dependency)."""

from __future__ import annotations

import itertools
import sys

import numpy as np
import pytest

import tconv1d
from tconv1d.onnx_export import transposed_conv1d_to_onnx

onnx = pytest.importorskip("onnx", reason="onnx is optional: pip install onnx")

FORMATS = ["BCT", "CBT", "TCB", "SCB", "BSC", "SCBT", "TBCS", "SC", "CS", "CT", "SCT", "TSC"]
CASES = [  # (FilterSize, Stride, cropping)
    (5, 2, "same"),  # crop total 3: one more on the right
    (2, 4, "same"),  # FilterSize < Stride: S - F bias-only positions appended
    (4, 4, "same"),
    (3, 2, 0),
    (6, 3, [1, 2]),
]


def _run(model, x):
    if x.dtype == np.float32:
        ort = pytest.importorskip("onnxruntime", reason="ONNX Runtime is an optional peer")
        options = ort.SessionOptions()
        options.log_severity_level = 3
        session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
        return session.run(None, {"x": x})[0]
    from onnx.reference import ReferenceEvaluator

    return ReferenceEvaluator(model).run(None, {"x": x})[0]


def _input(fmt, rng, dtype, channels, batch, length):
    sizes = {"C": channels, "B": batch, "T": 2 if "S" in fmt else length, "S": length}
    return rng.standard_normal([sizes[label] for label in fmt]).astype(dtype)


@pytest.mark.parametrize(("fmt", "dtype"), list(itertools.product(FORMATS, [np.float32, np.float64])))
def test_the_model_equals_transposed_conv1d(fmt, dtype):
    rng = np.random.default_rng(len(fmt) * 10 + (dtype == np.float64))
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for filter_size, stride, cropping in CASES:
        w = rng.standard_normal((filter_size, 4, 3)).astype(dtype)
        b = rng.standard_normal(4).astype(dtype)
        model = transposed_conv1d_to_onnx(None, w, b, stride, cropping, fmt)
        for batch, length in ((2, 7), (1, 12)):
            x = _input(fmt, rng, dtype, 3, batch, length)
            before = x.copy()
            want = tconv1d.transposed_conv1d(x, w, b, stride, cropping, fmt)
            got = _run(model, x)
            assert got.dtype == dtype and got.shape == want.shape, (filter_size, stride, cropping)
            assert np.abs(got - want).max() <= tol * max(1.0, np.abs(want).max()), (filter_size, stride, cropping)
            assert np.array_equal(x, before)


def test_layer_to_onnx_writes_a_model_equal_to_predict(tmp_path):
    layer = tconv1d.transposed_conv1d_layer(11, 6, Stride=4, Cropping="same").initialize(num_channels=3, seed=2)
    path = tmp_path / "layer.onnx"
    returned = layer.to_onnx(path, fmt="CBT")
    loaded = onnx.load(str(path))
    onnx.checker.check_model(loaded)
    assert loaded.SerializeToString() == returned.SerializeToString()
    x = np.random.default_rng(3).standard_normal((3, 2, 9)).astype(np.float32)
    assert np.allclose(_run(loaded, x), layer.predict(x, fmt="CBT"), rtol=1e-5, atol=1e-5)


def test_an_empty_bias_is_filled_as_predict_would():
    layer = tconv1d.transposed_conv1d_layer(3, 2, Weights=np.ones((3, 2, 1), np.float32), BiasInitializer="ones")
    model = layer.to_onnx(None, fmt="BCT")
    assert layer.bias is not None and np.array_equal(layer.bias, np.ones((1, 2)))
    x = np.ones((1, 1, 4), np.float32)
    assert np.allclose(_run(model, x), layer.predict(x, fmt="BCT"))


def test_what_cannot_be_exported_is_a_clear_error(monkeypatch):
    with pytest.raises(ValueError, match="to_onnx needs Weights"):
        tconv1d.transposed_conv1d_layer(3, 2).to_onnx(None)
    w = np.ones((3, 2, 1), np.float32)
    with pytest.raises(ValueError, match="fmt 'BCX' is not supported"):
        transposed_conv1d_to_onnx(None, w, fmt="BCX")
    with pytest.raises(ValueError, match="weights must be a FilterSize x NumFilters x NumChannels array"):
        transposed_conv1d_to_onnx(None, np.ones((3, 2), np.float32))
    with pytest.raises(ValueError, match="bias must have shape"):
        transposed_conv1d_to_onnx(None, w, np.ones(3, np.float32))
    with pytest.raises(TypeError, match="weights must be float32 or float64"):
        transposed_conv1d_to_onnx(None, w.astype(np.int32))
    with pytest.raises(ValueError, match=r"[Ss]tride"):
        transposed_conv1d_to_onnx(None, w, stride=0)
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(ImportError, match="pip install onnx"):
        transposed_conv1d_to_onnx(None, w)
