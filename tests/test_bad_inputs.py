"""R7: every bad input of the spec raises the named exception with a message
naming the argument, and never crashes the interpreter. Each case runs in its
own subprocess, so a segfault or abort shows up as a failed test instead of
taking the test run down with it."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

SETUP = """
import numpy as np
import tconv1d
x = np.ones((2, 3, 5))
w = np.ones((4, 2, 3))
dy = np.ones((2, 2, 8))
"""

# (id, statement, exception class, words the message must contain)
BAD_INPUTS = [
    # R1.1 integer-valued arguments
    ("stride-zero", "tconv1d.transposed_conv1d(x, w, stride=0)", "ValueError", ["stride", "positive", "0"]),
    ("stride-negative", "tconv1d.transposed_conv1d(x, w, stride=-2)", "ValueError", ["stride", "-2"]),
    ("stride-nonintegral", "tconv1d.transposed_conv1d(x, w, stride=2.5)", "ValueError", ["stride", "2.5"]),
    ("stride-nan", "tconv1d.transposed_conv1d(x, w, stride=float('nan'))", "ValueError", ["stride", "nan"]),
    ("stride-inf", "tconv1d.transposed_conv1d(x, w, stride=float('inf'))", "ValueError", ["stride", "inf"]),
    ("stride-bool", "tconv1d.transposed_conv1d(x, w, stride=True)", "ValueError", ["stride", "True"]),
    ("stride-string", "tconv1d.transposed_conv1d(x, w, stride='2')", "TypeError", ["stride"]),
    ("stride-huge", "tconv1d.transposed_conv1d(x, w, stride=2**70)", "OverflowError", ["stride"]),
    # R2 geometry
    ("crop-negative", "tconv1d.transposed_conv1d(x, w, cropping=-1)", "ValueError", ["Cropping", "nonnegative", "-1"]),
    (
        "crop-too-much",
        "tconv1d.transposed_conv1d(x, w, cropping=[4, 4])",
        "ValueError",
        ["L = 5", "F = 4", "S = 1", "l = 4", "r = 4"],
    ),
    ("crop-three", "tconv1d.transposed_conv1d(x, w, cropping=[1, 2, 3])", "ValueError", ["Cropping"]),
    ("crop-word", "tconv1d.transposed_conv1d(x, w, cropping='valid')", "ValueError", ["Cropping", "valid"]),
    ("length-zero", "tconv1d.transposed_conv1d(np.ones((2, 3, 0)), w)", "ValueError", ["length", "0"]),
    ("output-length-zero", "tconv1d.output_length(0, 3, 1)", "ValueError", ["length", "0"]),
    ("output-length-overflow", "tconv1d.output_length(2**62, 8, 4)", "OverflowError", ["64 bits"]),
    ("same-overflow", "tconv1d.output_length(2**62, 8, 4, 'same')", "OverflowError", ["64 bits"]),
    # R3.4 dtypes
    ("x-int", "tconv1d.transposed_conv1d(np.ones((2, 3, 5), dtype=np.int32), w)", "TypeError", ["x", "int32"]),
    ("x-float16", "tconv1d.transposed_conv1d(x.astype(np.float16), w)", "TypeError", ["x", "float16"]),
    ("x-complex", "tconv1d.transposed_conv1d(x.astype(complex), w)", "TypeError", ["x", "complex"]),
    ("x-bool", "tconv1d.transposed_conv1d(x.astype(bool), w)", "TypeError", ["x", "bool"]),
    ("x-object", "tconv1d.transposed_conv1d(np.array([[['a']]], dtype=object), w)", "TypeError", ["x", "object"]),
    ("weights-int", "tconv1d.transposed_conv1d(x, w.astype(np.int64))", "TypeError", ["weights", "int64"]),
    ("bias-complex", "tconv1d.transposed_conv1d(x, w, np.ones(2, dtype=complex))", "TypeError", ["bias", "complex"]),
    ("dy-int", "tconv1d.transposed_conv1d_backward(x, w, dy.astype(np.int8))", "TypeError", ["dy", "int8"]),
    # R1.5-style sizes
    ("weights-2d", "tconv1d.transposed_conv1d(x, np.ones((4, 2)))", "ValueError", ["weights", "(4, 2)"]),
    ("weights-empty", "tconv1d.transposed_conv1d(x, np.ones((0, 2, 3)))", "ValueError", ["weights", "empty"]),
    ("bias-size", "tconv1d.transposed_conv1d(x, w, np.ones(3))", "ValueError", ["bias", "(2,)", "(3,)"]),
    (
        "dy-shape",
        "tconv1d.transposed_conv1d_backward(x, w, np.ones((2, 2, 7)))",
        "ValueError",
        ["dy", "(2, 2, 8)", "(2, 2, 7)"],
    ),
    # R4.3 / R4.4 formats and channels
    ("fmt-no-c", "tconv1d.transposed_conv1d(x, w, fmt='SBT')", "ValueError", ["SBT", "SCB", "CBT"]),
    ("fmt-two-s", "tconv1d.transposed_conv1d(x, w, fmt='SCS')", "ValueError", ["SCS", "supported"]),
    ("fmt-u", "tconv1d.transposed_conv1d(x, w, fmt='UCT')", "ValueError", ["UCT", "supported"]),
    ("fmt-no-s-no-t", "tconv1d.transposed_conv1d(x, w, fmt='BCB')", "ValueError", ["BCB", "supported"]),
    ("fmt-ndim", "tconv1d.transposed_conv1d(x, w, fmt='CT')", "ValueError", ["CT", "3 dimensions"]),
    ("fmt-not-string", "tconv1d.transposed_conv1d(x, w, fmt=3)", "TypeError", ["fmt"]),
    # str.upper() maps the long s to S and a ligature to two letters: not labels
    ("fmt-long-s", "tconv1d.transposed_conv1d(np.ones((5, 3, 2)), w, fmt='\u017fCB')", "ValueError", ["ASCII", "SCB"]),
    ("fmt-ligature", "tconv1d.transposed_conv1d(np.ones((3, 2)), w, fmt='\ufb05')", "ValueError", ["ASCII"]),
    ("fmt-huge", "tconv1d.transposed_conv1d(x, w, fmt='B' * 300000)", "ValueError", ["300000 characters"]),
    (
        "crop-column",
        "tconv1d.transposed_conv1d(x, w, cropping=np.array([[1], [1]]))",
        "ValueError",
        ["Cropping", "pair"],
    ),
    (
        "channels-mismatch",
        "tconv1d.transposed_conv1d(np.ones((2, 4, 5)), w)",
        "ValueError",
        ["4 channels", "NumChannels = 3"],
    ),
    # R1 / R5 / R6 through the layer
    ("layer-filter-size-zero", "tconv1d.transposed_conv1d_layer(0, 4)", "ValueError", ["filter_size", "0"]),
    ("layer-num-filters-float", "tconv1d.transposed_conv1d_layer(3, 2.5)", "ValueError", ["num_filters", "2.5"]),
    ("layer-unknown-option", "tconv1d.transposed_conv1d_layer(3, 4, Strid=2)", "TypeError", ["Strid", "Stride"]),
    (
        "layer-bad-initializer",
        "tconv1d.transposed_conv1d_layer(3, 4, WeightsInitializer='xavier')",
        "ValueError",
        ["WeightsInitializer", "xavier"],
    ),
    (
        "layer-weights-size",
        "tconv1d.transposed_conv1d_layer(3, 4, Weights=np.ones((3, 5, 2)))",
        "ValueError",
        ["Weights", "3×4×"],
    ),
    (
        "layer-weights-int",
        "tconv1d.transposed_conv1d_layer(3, 4, Weights=np.ones((3, 4, 2), dtype=int))",
        "TypeError",
        ["Weights"],
    ),
    (
        "layer-bias-float16",
        "tconv1d.transposed_conv1d_layer(3, 4, Bias=np.ones((1, 4), dtype=np.float16))",
        "TypeError",
        ["Bias", "float16"],
    ),
    (
        "layer-factor-negative",
        "tconv1d.transposed_conv1d_layer(3, 4, WeightL2Factor=-1)",
        "ValueError",
        ["WeightL2Factor", "-1"],
    ),
    (
        "layer-channels-conflict",
        "tconv1d.transposed_conv1d_layer(3, 4, NumChannels=3, Weights=np.ones((3, 4, 2)))",
        "ValueError",
        ["NumChannels", "3"],
    ),
    (
        "layer-predict-channels",
        "tconv1d.transposed_conv1d_layer(4, 2, NumChannels=4).predict(np.ones((3, 2, 5)), fmt='CBT')",
        "ValueError",
        ["3", "4"],
    ),
    (
        "layer-weights-beyond-memory",
        "tconv1d.transposed_conv1d_layer(3, 4).initialize(2**62)",
        "OverflowError",
        ["Weights", "3×4×4611686018427387904"],
    ),
    (
        "layer-callable-size",
        "tconv1d.transposed_conv1d_layer(3, 4, WeightsInitializer=lambda sz: np.ones(2)).initialize(2)",
        "ValueError",
        ["3×4×2"],
    ),
    ("threads-negative", "tconv1d.set_num_threads(-1)", "ValueError", ["num_threads", "-1"]),
    ("threads-absurd", "tconv1d.set_num_threads(10**6)", "ValueError", ["num_threads", "1000000"]),
    ("threads-beyond-int", "tconv1d.set_num_threads(2**40)", "ValueError", ["num_threads"]),
]


@pytest.mark.parametrize(("case_id", "statement", "exception", "words"), BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_raises_cleanly(case_id, statement, exception, words):
    program = SETUP + textwrap.dedent(
        f"""
        try:
            {statement}
        except {exception} as error:
            print("RAISED", type(error).__name__)
            print(str(error))
        else:
            print("NO ERROR")
        """
    )
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"interpreter died ({result.returncode}): {result.stderr[-2000:]}"
    first, _, message = result.stdout.partition("\n")
    assert first == f"RAISED {exception}", result.stdout + result.stderr
    for word in words:
        assert word in message, f"{word!r} not in message {message!r}"
    assert len(message) < 1000, f"a message of {len(message)} characters"
