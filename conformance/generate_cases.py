#!/usr/bin/env python3
"""Generate the conformance case files in ``cases/`` from the formulas of SPEC.md.

The case files are frozen data: they are generated once, reviewed, and
committed; regenerate them only when the specification changes
(``python conformance/generate_cases.py``), and review the diff.

Every expected value here is computed from the specification's formulas by this
script alone, in plain Python integers: it imports nothing from tconv1d (an
implementation must never be the source of its own expected values). Cases that
compare with the runner's oracle at run time ("oracle" expectations) hold only
shapes, seeds and tolerances.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import sys

SCHEMA_VERSION = 1
INT64_MAX = 2**63 - 1
HERE = os.path.dirname(os.path.abspath(__file__))
CASES_DIR = os.path.join(HERE, "cases")

# Tolerances of R3.5, relative to the largest magnitude of the exact result.
RTOL = {"float64": 1e-12, "float32": 1e-5}
# The false-alarm rate of each statistical check of the initializers: the
# probability that a correct implementation fails that check for a random seed.
ALPHA = 1e-6


# ---------------------------------------------------------------- the spec's formulas (R2)


def full_length(length: int, filter_size: int, stride: int) -> int:
    """R2.1: Lfull = (L - 1)·S + F."""
    return (length - 1) * stride + filter_size


def same_crop(filter_size: int, stride: int) -> tuple[int, int, int]:
    """R2.3: (l, r, extension) of 'same'."""
    total = filter_size - stride
    if total >= 0:
        return total // 2, total - total // 2, 0
    return 0, 0, stride - filter_size


def expected_length(length, filter_size, stride, cropping):
    """The output length, or None where the spec says ValueError (R2.2, R2.3)."""
    if cropping == "same":
        return length * stride
    left, right = (cropping, cropping) if isinstance(cropping, int) else cropping
    out = full_length(length, filter_size, stride) - left - right
    return out if out >= 1 else None


# ---------------------------------------------------------------- the operation (R3), gather form
# Written as "which (i, f) reach output position t" rather than the spec's
# scatter form, so that this script and the runner's oracle (scatter form)
# are two different readings of R3.1.


def crop_of(cropping, filter_size, stride):
    if cropping == "same":
        return same_crop(filter_size, stride)
    if isinstance(cropping, int):
        return cropping, cropping, 0
    return cropping[0], cropping[1], 0


def forward(x, w, b, stride, cropping):
    """x[n][c][i], w[f][k][c], b[k] or None -> y[n][k][t] (R3.1, R2.3)."""
    batch, channels, length = len(x), len(x[0]), len(x[0][0])
    filter_size, num_filters = len(w), len(w[0])
    left, right, extension = crop_of(cropping, filter_size, stride)
    lfull = full_length(length, filter_size, stride)
    out_length = lfull - left - right + extension
    y = []
    for n in range(batch):
        rows = []
        for k in range(num_filters):
            row = []
            for t in range(out_length):
                p = t + left
                total = b[k] if b is not None else 0
                for f in range(filter_size):
                    if p < lfull and (p - f) % stride == 0 and 0 <= (p - f) // stride < length:
                        i = (p - f) // stride
                        for c in range(channels):
                            total += w[f][k][c] * x[n][c][i]
                row.append(total)
            rows.append(row)
        y.append(rows)
    return y


def backward(x, w, dy, stride, cropping):
    """(dx, dW, db) of R3.3, from the same gather form."""
    batch, channels, length = len(x), len(x[0]), len(x[0][0])
    filter_size, num_filters = len(w), len(w[0])
    left, _, _ = crop_of(cropping, filter_size, stride)
    lfull = full_length(length, filter_size, stride)
    out_length = len(dy[0][0])

    def dy_full(n, k, p):  # zero outside the kept window
        t = p - left
        return dy[n][k][t] if 0 <= t < out_length and p < lfull else 0

    dx = [[[sum(w[f][k][c] * dy_full(n, k, i * stride + f) for k in range(num_filters) for f in range(filter_size))
            for i in range(length)] for c in range(channels)] for n in range(batch)]
    dw = [[[sum(x[n][c][i] * dy_full(n, k, i * stride + f) for n in range(batch) for i in range(length))
            for c in range(channels)] for k in range(num_filters)] for f in range(filter_size)]
    db = [sum(dy[n][k][t] for n in range(batch) for t in range(out_length)) for k in range(num_filters)]
    return dx, dw, db


def ramp(shape, start=1, step=1):
    """A nested list of distinct integers start, start+step, ... (hand-checkable data)."""
    values = itertools.count(start, step)

    def build(dims):
        if len(dims) == 1:
            return [next(values) for _ in range(dims[0])]
        return [build(dims[1:]) for _ in range(dims[0])]

    return build(list(shape))


def arr(values, dtype="float64"):
    return {"dtype": dtype, "values": values}


def rnd(shape, seed, dtype="float64", distribution="normal"):
    return {"dtype": dtype, "shape": list(shape), "seed": seed, "distribution": distribution}


def json_specials(values):
    """Nested lists with IEEE specials spelled as the case files spell them."""
    if isinstance(values, list):
        return [json_specials(v) for v in values]
    if isinstance(values, float) and math.isnan(values):
        return "NaN"
    if isinstance(values, float) and math.isinf(values):
        return "Infinity" if values > 0 else "-Infinity"
    return values


def shape_of(values):
    shape = []
    while isinstance(values, list):
        shape.append(len(values))
        values = values[0]
    return shape


# ---------------------------------------------------------------- output_size


def output_size_cases():
    cases = []
    # The frozen exhaustive grid: every (L, F, S) with L 1-8, F 1-9, S 1-5; every
    # symmetric crop n up to the first that breaks Lout >= 1, and every crop total
    # l + r from 0 to Lfull (the last one breaks it), split several ways.
    for length in range(1, 9):
        for filter_size in range(1, 10):
            for stride in range(1, 6):
                lfull = full_length(length, filter_size, stride)
                rows = []
                for n in range(0, (lfull + 1) // 2 + 1):
                    rows.append([n, expected_length(length, filter_size, stride, n)])
                for total in range(0, lfull + 1):
                    # Every total; each split left-only, balanced (both ways) and right-only.
                    for left in sorted({0, total // 2, total - total // 2, total}):
                        crop = [left, total - left]
                        rows.append([crop, expected_length(length, filter_size, stride, crop)])
                rows = [[c, "ValueError" if v is None else v] for c, v in rows]
                cases.append({
                    "id": f"output_size/manual/L{length}-F{filter_size}-S{stride}",
                    "spec": "R2.2",
                    "kind": "output_length_grid",
                    "length": length, "filter_size": filter_size, "stride": stride,
                    "rows": rows,
                })
    for filter_size in range(1, 10):
        for stride in range(1, 6):
            rows = [[length, "same", expected_length(length, filter_size, stride, "same")] for length in range(1, 9)]
            cases.append({
                "id": f"output_size/same/F{filter_size}-S{stride}",
                "spec": "R2.3",
                "kind": "output_length_table",
                "filter_size": filter_size, "stride": stride,
                "rows": rows,
            })

    def single(case_id, spec, args, expect, description=None):
        case = {"id": f"output_size/{case_id}", "spec": spec, "kind": "output_length", "args": args, "expect": expect}
        if description:
            case["description"] = description
        cases.append(case)

    def value(length, filter_size, stride, cropping):
        out = expected_length(length, filter_size, stride, cropping)
        assert out is not None and out <= INT64_MAX
        return {"value": out}

    overflow = {"error": ["ValueError", "OverflowError"]}
    # R2.1 with large values: exactly at the 64-bit limit, and one past it.
    single("large/full-at-int64-max", "R2.5", {"length": 2**62, "filter_size": 1, "stride": 2, "cropping": 0},
           value(2**62, 1, 2, 0), "(L-1)*S + F = 2^63 - 1 fits exactly")
    single("large/length-int64-max", "R2.5", {"length": INT64_MAX, "filter_size": 1, "stride": 1, "cropping": 0},
           value(INT64_MAX, 1, 1, 0))
    single("large/filter-int64-max", "R2.5", {"length": 1, "filter_size": INT64_MAX, "stride": 1, "cropping": 0},
           value(1, INT64_MAX, 1, 0))
    single("large/stride-huge-L1", "R2.5", {"length": 1, "filter_size": 3, "stride": INT64_MAX, "cropping": 0},
           value(1, 3, INT64_MAX, 0), "L = 1: the stride never multiplies anything")
    single("large/crop-near-limit", "R2.5", {"length": 2**62, "filter_size": 1, "stride": 2, "cropping": [INT64_MAX - 1, 0]},
           value(2**62, 1, 2, [INT64_MAX - 1, 0]))
    single("large/same-near-limit", "R2.5", {"length": 2**61, "filter_size": 4, "stride": 3, "cropping": "same"},
           value(2**61, 4, 3, "same"))
    single("large/product-overflows", "R2.5", {"length": 2**62 + 1, "filter_size": 1, "stride": 2, "cropping": 0}, overflow,
           "(L-1)*S = 2^63 does not fit")
    single("large/sum-overflows", "R2.5", {"length": 2**62, "filter_size": 2, "stride": 2, "cropping": 0}, overflow,
           "(L-1)*S + F = 2^63 does not fit")
    single("large/filter-plus-one-overflows", "R2.5", {"length": 2, "filter_size": INT64_MAX, "stride": 1, "cropping": 0}, overflow)
    single("large/same-overflows", "R2.5", {"length": 2**62, "filter_size": 1, "stride": 2, "cropping": "same"}, overflow,
           "L*S = 2^63 does not fit")
    single("large/product-wraps-to-small", "R2.5", {"length": 2**32 + 1, "filter_size": 1, "stride": 2**32, "cropping": 0}, overflow,
           "(L-1)*S = 2^64 would wrap to 0 in unchecked 64-bit arithmetic")
    single("large/length-beyond-64-bits", "R2.5", {"length": 2**64 + 5, "filter_size": 1, "stride": 1, "cropping": 0}, overflow)

    # Argument validation (R1.1, R1.3, R2.4).
    single("error/length-zero", "R2.4", {"length": 0, "filter_size": 3, "stride": 1, "cropping": 0},
           {"error": ["ValueError"], "message_contains": ["length"]})
    single("error/filter-size-zero", "R1.1", {"length": 4, "filter_size": 0, "stride": 1, "cropping": 0},
           {"error": ["ValueError"], "message_contains": ["filter"]})
    single("error/stride-zero", "R1.1", {"length": 4, "filter_size": 3, "stride": 0, "cropping": 0},
           {"error": ["ValueError"], "message_contains": ["stride"]})
    single("error/stride-negative", "R1.1", {"length": 4, "filter_size": 3, "stride": -2, "cropping": 0},
           {"error": ["ValueError"], "message_contains": ["stride"]})
    single("error/filter-size-non-integral", "R1.1", {"length": 4, "filter_size": 2.5, "stride": 1, "cropping": 0},
           {"error": ["ValueError"], "message_contains": ["filter", "2.5"]})
    single("error/stride-boolean", "R1.1", {"length": 4, "filter_size": 3, "stride": True, "cropping": 0},
           {"error": ["ValueError"], "message_contains": ["stride"]})
    single("error/length-nan", "R1.1", {"length": {"float": "nan"}, "filter_size": 3, "stride": 1, "cropping": 0},
           {"error": ["ValueError"], "message_contains": ["length"]})
    single("error/stride-inf", "R1.1", {"length": 4, "filter_size": 3, "stride": {"float": "inf"}, "cropping": 0},
           {"error": ["ValueError"], "message_contains": ["stride"]})
    single("error/crop-negative", "R1", {"length": 4, "filter_size": 3, "stride": 1, "cropping": -1},
           {"error": ["ValueError"], "message_contains": ["crop"]})
    single("error/crop-pair-negative", "R1", {"length": 4, "filter_size": 3, "stride": 1, "cropping": [0, -1]},
           {"error": ["ValueError"], "message_contains": ["crop"]})
    single("error/crop-three-values", "R1", {"length": 4, "filter_size": 3, "stride": 1, "cropping": [1, 1, 1]},
           {"error": ["ValueError"], "message_contains": ["crop"]})
    single("error/crop-unknown-string", "R1.3", {"length": 4, "filter_size": 3, "stride": 1, "cropping": "valid"},
           {"error": ["ValueError"], "message_contains": ["crop"]})
    single("error/crop-non-integral", "R1.1", {"length": 4, "filter_size": 3, "stride": 1, "cropping": 0.5},
           {"error": ["ValueError"], "message_contains": ["crop"]})
    single("error/lout-zero", "R2.2", {"length": 2, "filter_size": 3, "stride": 1, "cropping": [2, 2]},
           {"error": ["ValueError"]}, "Lfull = 4, l + r = 4: Lout = 0")
    # What R1.1 and R1.3 accept.
    single("accept/integral-floats", "R1.1", {"length": 4.0, "filter_size": 3.0, "stride": 2.0, "cropping": 1.0},
           value(4, 3, 2, 1))
    for dtype in ("int8", "uint8", "int16", "int32", "int64", "uint64", "float32"):
        single(f"accept/numpy-{dtype}", "R1.1",
               {"length": {"dtype": dtype, "value": 5}, "filter_size": {"dtype": dtype, "value": 3},
                "stride": {"dtype": dtype, "value": 2}, "cropping": {"dtype": dtype, "value": 1}},
               value(5, 3, 2, 1))
    for spelling in ("same", "Same", "SAME", "sAmE"):
        single(f"accept/same-spelled-{spelling}", "R1.3", {"length": 5, "filter_size": 4, "stride": 3, "cropping": spelling},
               value(5, 4, 3, "same"))
    single("accept/crop-tuple", "R1", {"length": 5, "filter_size": 3, "stride": 2, "cropping": {"tuple": [1, 2]}},
           value(5, 3, 2, [1, 2]))
    single("accept/default-stride-and-cropping", "R1", {"length": 5, "filter_size": 3}, value(5, 3, 1, 0),
           "Stride defaults to 1 and Cropping to 0")
    return cases


# ---------------------------------------------------------------- cropping (values)


def cropping_cases():
    cases = []
    # (L, F, S, cropping): 'same' with even, odd, zero and negative crop totals
    # (t = F - S), and manual crops, symmetric and not.
    geometries = [
        (4, 5, 1, "same"),   # t = 4, even: [2 2]
        (4, 4, 1, "same"),   # t = 3, odd: [1 2], the extra element trimmed on the right
        (3, 6, 3, "same"),   # t = 3, odd, strided
        (4, 2, 1, "same"),   # t = 1: [0 1]
        (3, 3, 3, "same"),   # t = 0: nothing cropped
        (3, 2, 3, "same"),   # t = -1: bias-only extension of one element
        (3, 1, 4, "same"),   # t = -3: extension of three
        (1, 1, 5, "same"),   # L = 1, t = -4
        (2, 7, 2, "same"),   # t = 5: [2 3]
        (5, 3, 2, 1),        # manual n = [1 1]
        (5, 3, 2, [0, 2]),   # right only
        (5, 3, 2, [2, 0]),   # left only
        (5, 3, 2, [1, 3]),
        (4, 5, 1, [2, 2]),   # the manual twin of the first 'same'
        (4, 4, 1, [1, 2]),   # the manual twin of the odd 'same'
    ]
    for length, filter_size, stride, cropping in geometries:
        channels, filters = 2, 2
        x = [ramp((channels, length), 1)]
        w = ramp((filter_size, filters, channels), 1)
        w = [[[v if (f + k + c) % 2 == 0 else -v for c, v in enumerate(row)] for k, row in enumerate(plane)] for f, plane in enumerate(w)]
        b = [100, -200]
        y = forward(x, w, b, stride, cropping)
        left, right, extension = crop_of(cropping, filter_size, stride)
        crop_text = cropping if isinstance(cropping, str) else (f"[{cropping} {cropping}]" if isinstance(cropping, int) else f"[{cropping[0]} {cropping[1]}]")
        crop_id = "same" if cropping == "same" else ("n" + str(cropping) if isinstance(cropping, int) else f"l{cropping[0]}r{cropping[1]}")
        total = filter_size - stride
        spec = "R2.3" if cropping == "same" else "R2.2"
        description = f"L={length} F={filter_size} S={stride} Cropping={crop_text}"
        if cropping == "same":
            description += f": t = F - S = {total}, resolved [l r] = [{left} {right}]"
            if extension:
                description += f", {extension} bias-only element(s) appended on the right"
        # float64, and a float32 twin (the values are small integers, exact in both)
        # so that float32-only peers are judged on the crop placement too.
        for dtype, suffix in (("float64", ""), ("float32", "-float32")):
            cases.append({
                "id": f"cropping/values/L{length}-F{filter_size}-S{stride}-{crop_id}{suffix}",
                "spec": spec,
                "kind": "forward",
                "description": description,
                "resolved_crop": [left, right],
                "extension": extension,
                "x": arr(x, dtype), "weights": arr(w, dtype), "bias": arr(b, dtype),
                "stride": stride, "cropping": cropping, "fmt": "BCT",
                "expect": {"values": arr(y, dtype)},
            })
    # The bias-only extension holds exactly the bias, even with zero weights and data.
    x = [[[0.0, 0.0]]]
    w = [[[0.0]]]
    cases.append({
        "id": "cropping/extension-holds-only-bias",
        "spec": "R2.3",
        "kind": "forward",
        "description": "F=1 < S=4 with 'same': output length L*S = 8, positions 5..7 hold only the bias",
        "x": arr([[[1.0, 2.0]]]), "weights": arr([[[3.0]]]), "bias": arr([0.5]),
        "stride": 4, "cropping": "same", "fmt": "BCT",
        "expect": {"values": arr(forward([[[1, 2]]], [[[3]]], [0.5], 4, "same"))},
    })
    del x, w
    return cases


# ---------------------------------------------------------------- numerics


def numerics_cases():
    cases = []

    def exact(case_id, spec, x, w, b, stride, cropping, description, dtype="float64"):
        cases.append({
            "id": f"numerics/{case_id}", "spec": spec, "kind": "forward", "description": description,
            "x": arr(x, dtype), "weights": arr(w, dtype), "bias": None if b is None else arr(b, dtype),
            "stride": stride, "cropping": cropping, "fmt": "BCT",
            "expect": {"values": arr(forward(x, w, b, stride, cropping), dtype)},
        })

    # ONNX's published test_convtranspose_1d: X = [0, 1, 2] (1x1x3), W = ones (1x1x3
    # in ONNX/PyTorch layout [c, k, f]) -> Y = [0, 1, 3, 3, 2]. In this layout W is 3x1x1.
    onnx_y = forward([[[0, 1, 2]]], [[[1]], [[1]], [[1]]], None, 1, 0)
    assert onnx_y == [[[0, 1, 3, 3, 2]]]
    exact("onnx-test-convtranspose-1d", "R3.2", [[[0, 1, 2]]], [[[1]], [[1]], [[1]]], None, 1, 0,
          "ONNX test_convtranspose_1d: X=[0,1,2], W=ones(3) -> Y=[0,1,3,3,2]")
    exact("no-filter-flip", "R3.1", [[[1]]], [[[1]], [[2]], [[3]]], None, 1, 0,
          "a single 1 reproduces the filter in order [1 2 3] (no flip)")
    exact("no-filter-flip-strided", "R3.1", [[[1, 10]]], [[[1]], [[2]], [[3]]], None, 2, 0,
          "y = [1 2 3+10 20 30]: copies of the filter at i*S")
    exact("identity", "R3.1", [[[3, -1, 4, 1, -5]]], [[[1]]], None, 1, 0, "F=1, S=1, W=1: y = x")
    exact("upsample-by-zero-insertion", "R3.1", [[[3, -1, 4]]], [[[1]]], None, 3, 0,
          "F=1, S=3: the input spread out with two zeros between samples")
    exact("overlap-add", "R3.1", [[[1, 2, 3, 4]]], [[[1]], [[1]], [[1]], [[1]]], None, 2, 0,
          "F=4, S=2: each output position sums two windows")
    exact("bias-everywhere", "R3.1", [[[0, 0]]], [[[0]], [[0]]], [7], 1, 0, "zero data: y = bias at every position")
    exact("channels-sum", "R3.1", [[[1, 2], [10, 20], [100, 200]]], [[[1, 1, 1]], [[2, 2, 2]]], None, 1, 0,
          "three channels summed into one filter")
    exact("filters-separate", "R3.1", [[[1, 2]]], [[[1], [-1], [10]]], [0, 1, 2], 1, 0,
          "three filters, each its own output channel with its own bias")
    exact("batch-independent", "R3.1", [[[1, 2]], [[3, 4]], [[0, 0]]], [[[1]], [[2]]], [1], 2, 0,
          "the batch items do not mix")
    exact("length-one", "R3.1", [[[2], [3]]], ramp((3, 2, 2)), [1, -1], 5, 0, "L = 1: y is the filter scaled, Lout = F")
    exact("length-one-same", "R2.3", [[[2], [3]]], ramp((3, 2, 2)), [1, -1], 5, "same", "L = 1, F < S with 'same'")
    exact("multichannel-strided-cropped", "R3.1", [ramp((3, 6), 1), ramp((3, 6), -9)], ramp((4, 2, 3), -5), [3, -3], 3, [1, 2],
          "N=2 C=3 K=2 F=4 S=3 crop [1 2], integer data")
    exact("float32-exact", "R3.4", [ramp((2, 5), 1)], ramp((3, 3, 2), -4), [1, 2, 3], 2, "same",
          "float32 in, float32 out, exact for small integers", dtype="float32")

    # dtype rules (R3.4).
    cases.append({
        "id": "numerics/dtype/weights-float64-with-float32-data", "spec": "R3.4", "kind": "forward",
        "description": "Weights of the other float dtype are converted; the computation and output are float32",
        "x": arr([[[1, 2, 3]]], "float32"), "weights": arr([[[0.5]], [[0.25]]], "float64"), "bias": arr([1], "float64"),
        "stride": 2, "cropping": 0, "fmt": "BCT",
        "expect": {"values": arr(forward([[[1, 2, 3]]], [[[0.5]], [[0.25]]], [1], 2, 0), "float32")},
    })
    cases.append({
        "id": "numerics/dtype/weights-float32-with-float64-data", "spec": "R3.4", "kind": "forward",
        "x": arr([[[1, 2, 3]]], "float64"), "weights": arr([[[0.5]], [[0.25]]], "float32"), "bias": None,
        "stride": 1, "cropping": 0, "fmt": "BCT",
        "expect": {"values": arr(forward([[[1, 2, 3]]], [[[0.5]], [[0.25]]], None, 1, 0), "float64")},
    })
    for dtype in ("int32", "int64", "float16", "complex128", "bool"):
        cases.append({
            "id": f"numerics/dtype/reject-{dtype}-data", "spec": "R3.4", "kind": "forward",
            "x": arr([[[1, 0, 1]]], dtype), "weights": arr([[[1.0]]]), "bias": None,
            "stride": 1, "cropping": 0, "fmt": "BCT",
            "expect": {"error": ["TypeError"]},
        })
    cases.append({
        "id": "numerics/error/lout-below-one", "spec": "R2.2", "kind": "forward",
        "x": arr([[[1, 2]]]), "weights": arr([[[1.0]], [[1.0]]]), "bias": None,
        "stride": 1, "cropping": [2, 1], "fmt": "BCT", "expect": {"error": ["ValueError"]},
    })

    # Non-contiguous, reversed-stride, Fortran-ordered and read-only inputs are valid (R7.2):
    # the runner passes views with these layouts holding the same values.
    for layout in ("reversed", "strided", "fortran", "readonly"):
        x = [ramp((3, 5), 1), ramp((3, 5), -7)]
        w = ramp((4, 2, 3), -6)
        b = [1, -1]
        for kind in ("forward", "backward"):
            case = {
                "id": f"numerics/layout/{kind}-{layout}", "spec": "R7.2", "kind": kind,
                "description": f"every array argument passed as a {layout} view",
                "x": arr(x), "weights": arr(w), "stride": 2, "cropping": [1, 2], "fmt": "BCT", "layout": layout,
            }
            if kind == "forward":
                case["bias"] = arr(b)
                case["expect"] = {"values": arr(forward(x, w, b, 2, [1, 2]))}
            else:
                dy = ramp((2, 2, expected_length(5, 4, 2, [1, 2])), -4)
                dx, dw, db = backward(x, w, dy, 2, [1, 2])
                case["dy"] = arr(dy)
                case["expect"] = {"dx": arr(dx), "dweights": arr(dw), "dbias": arr(db)}
            cases.append(case)

    # NaN and Inf propagate as IEEE arithmetic says (R3.6).
    inf, nan = "Infinity", "NaN"
    cases.append({
        "id": "numerics/ieee/nan-propagates", "spec": "R3.6", "kind": "forward",
        "description": "a NaN input spreads to exactly the F positions it reaches",
        "x": arr([[[1, nan, 1, 1]]]), "weights": arr([[[1.0]], [[1.0]]]), "bias": None,
        "stride": 2, "cropping": 0, "fmt": "BCT",
        "expect": {"values": arr([[[1, 1, nan, nan, 1, 1, 1, 1]]])},
    })
    cases.append({
        "id": "numerics/ieee/inf-propagates", "spec": "R3.6", "kind": "forward",
        "description": "+Inf times a positive weight is +Inf; times a negative weight -Inf; Inf - Inf is NaN",
        "x": arr([[[inf, inf, 1]]]), "weights": arr([[[1.0]], [[-1.0]]]), "bias": None,
        "stride": 1, "cropping": 0, "fmt": "BCT",
        "expect": {"values": arr([[[inf, nan, "-Infinity", -1]]])},
    })

    # Which products exist decides where a non-finite value leaves a NaN: forward
    # has only W*x (no product with anything past the input's ends, R3.1); the
    # backward passes sum over the zero-re-padded dy (R3.3), so a non-finite
    # weight or input meeting a cropped position makes NaN (Inf * 0). The
    # expected values are those sums evaluated in IEEE double arithmetic.
    def ieee(case_id, kind, x, w, stride, cropping, description, dy=None):
        case = {
            "id": f"numerics/ieee/{case_id}", "spec": "R3.6", "kind": kind, "description": description,
            "x": arr(json_specials(x)), "weights": arr(json_specials(w)), "stride": stride, "cropping": cropping,
            "fmt": "BCT",
        }
        if kind == "forward":
            case["bias"] = None
            case["expect"] = {"values": arr(json_specials(forward(x, w, None, stride, cropping)))}
        else:
            dx, dw, db = backward(x, w, dy, stride, cropping)
            case["dy"] = arr(json_specials(dy))
            case["expect"] = {"dx": arr(json_specials(dx)), "dweights": arr(json_specials(dw)),
                              "dbias": arr(json_specials(db))}
        cases.append(case)

    INF, NAN = math.inf, math.nan
    # Long enough (L = 40) that implementations with a separate small-shape path take their main one.
    ieee("forward-inf-weight-past-the-input", "forward", [[[0.0] + [float(v) for v in range(2, 41)]]],
         [[[INF]], [[1.0]], [[1.0]]], 1, 0,
         "W = [Inf 1 1], x = [0 2 3 ... 40]: y = [NaN Inf ... Inf 79 40]; Inf * 0 is NaN only where the product "
         "exists (x[0] = 0), never past the input's end")
    ieee("forward-nan-weight-strided-cropped", "forward", [ramp((2, 4), 1)], [[[1.0, NAN]], [[2.0, 0.0]], [[-1.0, 1.0]]],
         2, [1, 2], "a NaN weight reaches only the outputs its own products land in")
    ieee("backward-inf-weight-meets-cropping", "backward", [ramp((1, 3), 1)], [[[INF]], [[1.0]], [[2.0]]], 1, [1, 1],
         "dx sums W * dy_full over every tap: taps landing in the cropped margins multiply Inf by 0, NaN",
         dy=[[[1.0, -1.0, 2.0]]])
    ieee("backward-inf-input-meets-cropping", "backward", [[[-INF, 1.0, 2.0, 3.0]]], [[[1.0]], [[1.0]], [[1.0]]], 2, [2, 0],
         "dW sums x * dy_full over every input: x[0] = -Inf lands in the cropped margin for taps 0 and 1, NaN there",
         dy=[[[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]]])
    ieee("backward-non-finite-long", "backward", [[[-INF] + [float(v) for v in range(1, 40)]]],
         [[[1.0]], [[NAN]], [[1.0]]], 2, [2, 1],
         "L = 40: x[0] = -Inf meets the cropped margin through taps 0 and 1 (dW NaN there); the NaN weight "
         "reaches every dx", dy=[[[float(v % 7 - 3) for v in range(expected_length(40, 3, 2, [2, 1]))]]])
    ieee("backward-nan-dy", "backward", [ramp((2, 3), 1)], [[[1.0, -1.0]], [[0.5, 2.0]]], 2, "same",
         "a NaN in dy reaches the dx it is correlated into, every dW of its filter, and its db",
         dy=[[[1.0, NAN, 2.0, 0.0, -1.0, 3.0]]])

    # Randomized cases against the runner's oracle, with the tolerances of R3.5.
    seed = 1000
    shapes = [  # (N, C, K, L, F, S, cropping)
        (1, 1, 1, 7, 3, 1, 0), (2, 3, 4, 9, 5, 2, 1), (3, 2, 2, 6, 4, 4, "same"), (1, 4, 3, 5, 7, 3, "same"),
        (2, 2, 3, 8, 2, 5, "same"), (4, 1, 2, 1, 6, 3, [2, 1]), (2, 5, 1, 12, 3, 3, [0, 2]), (1, 3, 5, 10, 11, 4, [3, 4]),
    ]
    for dtype in ("float64", "float32"):
        for n, c, k, length, filter_size, stride, cropping in shapes:
            seed += 1
            cases.append({
                "id": f"numerics/random/{dtype}/N{n}-C{c}-K{k}-L{length}-F{filter_size}-S{stride}-{json.dumps(cropping).replace(' ', '')}",
                "spec": "R3.5", "kind": "forward",
                "x": rnd((n, c, length), seed, dtype), "weights": rnd((filter_size, k, c), seed + 100, dtype),
                "bias": rnd((k,), seed + 200, dtype), "stride": stride, "cropping": cropping, "fmt": "BCT",
                "expect": {"oracle": True, "rtol": RTOL[dtype], "dtype": dtype,
                           "shape": [n, k, expected_length(length, filter_size, stride, cropping)]},
            })
    # A long reduction in float32 (C*F terms per output = 4096).
    cases.append({
        "id": "numerics/random/float32/long-reduction", "spec": "R3.5", "kind": "forward",
        "x": rnd((1, 512, 6), 2001, "float32"), "weights": rnd((8, 2, 512), 2002, "float32"), "bias": None,
        "stride": 1, "cropping": 0, "fmt": "BCT",
        "expect": {"oracle": True, "rtol": RTOL["float32"], "dtype": "float32", "shape": [1, 2, 13]},
    })
    return cases


# ---------------------------------------------------------------- gradients


def gradients_cases():
    cases = []
    exact_geometries = [  # (N, C, K, L, F, S, cropping)
        (1, 1, 1, 3, 3, 1, 0), (2, 2, 3, 4, 3, 2, 0), (1, 2, 2, 5, 4, 2, [1, 2]), (2, 1, 2, 4, 5, 1, "same"),
        (1, 2, 1, 3, 4, 1, "same"), (2, 2, 2, 3, 2, 3, "same"), (1, 1, 2, 2, 1, 4, "same"),
    ]
    for n, c, k, length, filter_size, stride, cropping in exact_geometries:
        x = ramp((n, c, length), 1)
        w = ramp((filter_size, k, c), -3)
        out_length = expected_length(length, filter_size, stride, cropping)
        dy = ramp((n, k, out_length), -5)
        dx, dw, db = backward(x, w, dy, stride, cropping)
        spec = "R3.3"
        description = "integer data; dW[f,k,c] = sum x[n,c,i] dy_full[n,k,i*S+f] (not its transpose)"
        if cropping == "same" and filter_size < stride:
            description = "F < S with 'same': the bias-only extension contributes to db only"
        cases.append({
            "id": f"gradients/exact/N{n}-C{c}-K{k}-L{length}-F{filter_size}-S{stride}-{json.dumps(cropping).replace(' ', '')}",
            "spec": spec, "kind": "backward", "description": description,
            "x": arr(x), "weights": arr(w), "dy": arr(dy),
            "stride": stride, "cropping": cropping, "fmt": "BCT",
            "expect": {"dx": arr(dx), "dweights": arr(dw), "dbias": arr(db)},
        })
    seed = 3000
    shapes = [
        (2, 3, 2, 7, 3, 2, 0), (1, 2, 4, 5, 6, 3, "same"), (3, 1, 2, 4, 2, 5, "same"), (2, 4, 3, 6, 5, 1, [2, 1]),
        (1, 3, 3, 9, 4, 4, [0, 3]), (2, 2, 2, 1, 3, 2, 1),
    ]
    for dtype in ("float64", "float32"):
        for n, c, k, length, filter_size, stride, cropping in shapes:
            seed += 1
            out_length = expected_length(length, filter_size, stride, cropping)
            crop_id = json.dumps(cropping).replace(" ", "")
            geometry = f"N{n}-C{c}-K{k}-L{length}-F{filter_size}-S{stride}-{crop_id}"
            common = {
                "x": rnd((n, c, length), seed, dtype), "weights": rnd((filter_size, k, c), seed + 100, dtype),
                "dy": rnd((n, k, out_length), seed + 200, dtype),
                "stride": stride, "cropping": cropping, "fmt": "BCT",
            }
            cases.append({"id": f"gradients/random/{dtype}/{geometry}", "spec": "R3.3", "kind": "backward", **common,
                          "expect": {"oracle": True, "rtol": RTOL[dtype], "dtype": dtype}})
            cases.append({"id": f"gradients/adjoint/{dtype}/{geometry}", "spec": "R3.3", "kind": "adjoint", **common,
                          "description": "<forward(x; W), dy> = <x, dx> = <W, dW> (bias 0): the forward is bilinear",
                          "expect": {"rtol": 10 * RTOL[dtype]}})
    cases.append({
        "id": "gradients/error/dy-wrong-shape", "spec": "R7.1", "kind": "backward",
        "x": arr([[[1, 2, 3]]]), "weights": arr([[[1.0]], [[1.0]]]), "dy": arr([[[1, 1, 1]]]),
        "stride": 1, "cropping": 0, "fmt": "BCT", "expect": {"error": ["ValueError"], "message_contains": ["dy"]},
    })
    return cases


# ---------------------------------------------------------------- formats


def formats_cases():
    cases = []
    base = {"SCB": "S", "CBT": "T", "SCBT": "S", "SC": "S", "CT": "T", "SCT": "S"}
    sizes = {"S": 5, "T": 4, "C": 3, "B": 2}
    filter_size, filters, stride, cropping = 3, 2, 2, [1, 0]
    seed = 4000
    for fmt, upsampled in base.items():
        for order in sorted(set(itertools.permutations(fmt))):
            labels = "".join(order)
            seed += 1
            shape = [sizes[label] for label in labels]
            out_shape = list(shape)
            axis = labels.index(upsampled)
            out_shape[axis] = expected_length(shape[axis], filter_size, stride, cropping)
            out_shape[labels.index("C")] = filters
            cases.append({
                "id": f"formats/{fmt}/{labels}",
                "spec": "R4.2" if labels != fmt else "R4.1",
                "kind": "forward",
                "description": f"{labels} (format {fmt}): axis {upsampled} grows from {shape[axis]} to {out_shape[axis]}",
                "x": rnd(shape, seed), "weights": rnd((filter_size, filters, sizes["C"]), seed + 500),
                "bias": rnd((filters,), seed + 900), "stride": stride, "cropping": cropping, "fmt": labels,
                "expect": {"oracle": True, "rtol": RTOL["float64"], "dtype": "float64", "shape": out_shape},
            })
    # The gradients follow the format as well.
    for labels, shape in (("TCB", [4, 3, 2]), ("BTSC", [2, 4, 5, 3]), ("CS", [3, 5])):
        seed += 1
        upsampled = "S" if "S" in labels else "T"
        out_shape = list(shape)
        axis = labels.index(upsampled)
        out_shape[axis] = expected_length(shape[axis], filter_size, stride, "same")
        out_shape[labels.index("C")] = filters
        cases.append({
            "id": f"formats/backward/{labels}", "spec": "R4.2", "kind": "backward",
            "x": rnd(shape, seed), "weights": rnd((filter_size, filters, 3), seed + 500), "dy": rnd(out_shape, seed + 900),
            "stride": stride, "cropping": "same", "fmt": labels,
            "expect": {"oracle": True, "rtol": RTOL["float64"], "dtype": "float64"},
        })
    bad = [  # (fmt, shape, why)
        ("SSC", [5, 5, 3], "two S"), ("UCB", [5, 3, 2], "a U"), ("SCU", [5, 3, 2], "a U"), ("CB", [3, 2], "no S and no T"),
        ("SB", [5, 2], "no C"), ("BCT", [3, 5], "labels do not match ndim"), ("SC", [5, 3, 2], "labels do not match ndim"),
        ("SCBB", [5, 3, 2, 2], "two B"), ("XCB", [5, 3, 2], "unknown label"), ("SCBTB", [5, 3, 2, 2, 2], "two B"),
        ("", [5], "empty"), ("T", [5], "no C"),
    ]
    for fmt, shape, why in bad:
        seed += 1
        cases.append({
            "id": f"formats/error/{fmt or 'empty'}-{len(shape)}d", "spec": "R4.3", "kind": "forward",
            "description": f"{fmt!r} on a {len(shape)}-D array: {why}",
            "x": rnd(shape, seed), "weights": rnd((3, 2, 3), seed + 1), "bias": None,
            "stride": 1, "cropping": 0, "fmt": fmt, "expect": {"error": ["ValueError"]},
        })
    cases.append({
        "id": "formats/error/channel-mismatch", "spec": "R4.4", "kind": "forward",
        "description": "4 channels in the data, NumChannels = 3 in the weights",
        "x": rnd((2, 4, 5), 4999), "weights": rnd((3, 2, 3), 4998), "bias": None,
        "stride": 1, "cropping": 0, "fmt": "BCT", "expect": {"error": ["ValueError"], "message_contains": ["4", "3"]},
    })
    return cases


# ---------------------------------------------------------------- properties (the layer, R1)


EMPTY = {"empty": True}


def properties_cases():
    cases = []

    def layer(case_id, spec, args, options, expect, description=None, **extra):
        case = {"id": f"properties/{case_id}", "spec": spec, "kind": "layer", "args": args, "options": options, **extra,
                "expect": expect}
        if description:
            case["description"] = description
        cases.append(case)

    defaults = {
        "filter_size": 11, "num_filters": 96, "stride": 4, "cropping_mode": "manual", "cropping_size": [0, 0],
        "num_channels": "auto", "weights_initializer": "glorot", "bias_initializer": "zeros",
        "weights": EMPTY, "bias": EMPTY, "weight_learn_rate_factor": 1, "bias_learn_rate_factor": 1,
        "weight_l2_factor": 1, "bias_l2_factor": 0, "name": "",
    }
    layer("defaults/vendor-example", "R1", [11, 96], {"Stride": 4}, {"properties": defaults},
          "transposedConv1dLayer(11,96,Stride=4): every default of the property table")
    layer("defaults/stride-is-one", "R1", [3, 2], {}, {"properties": {"stride": 1, "cropping_size": [0, 0]}})
    for spelling in ("stride", "Stride", "STRIDE", "sTrIdE"):
        layer(f"names/stride-as-{spelling}", "R1.2", [3, 2], {spelling: 4}, {"properties": {"stride": 4}})
    vendor_names = {
        "NumChannels": ("num_channels", 3), "WeightLearnRateFactor": ("weight_learn_rate_factor", 2),
        "BiasLearnRateFactor": ("bias_learn_rate_factor", 0), "WeightL2Factor": ("weight_l2_factor", 0.5),
        "BiasL2Factor": ("bias_l2_factor", 3), "Name": ("name", "up1"), "WeightsInitializer": ("weights_initializer", "he"),
        "BiasInitializer": ("bias_initializer", "ones"),
    }
    for vendor, (snake, value) in vendor_names.items():
        layer(f"names/{snake}-vendor", "R1.2", [3, 2], {vendor: value}, {"properties": {snake: value}})
        layer(f"names/{snake}-snake", "R1.2", [3, 2], {snake: value}, {"properties": {snake: value}})
    layer("names/unknown-option", "R1.2", [3, 2], {"Strid": 2}, {"error": ["TypeError"], "message_contains": ["stride"]},
          "an unknown name lists the valid names and the closest match")
    layer("names/no-partial-match", "R1.2", [3, 2], {"Str": 2}, {"error": ["TypeError"]}, "no partial-name matching")
    layer("names/positional-integral-float", "R1.1", [11.0, 96.0], {}, {"properties": {"filter_size": 11, "num_filters": 96}})
    layer("names/positional-numpy-int", "R1.1", [{"dtype": "int16", "value": 5}, {"dtype": "uint8", "value": 7}], {},
          {"properties": {"filter_size": 5, "num_filters": 7}})

    for value, mode, size in (("same", "same", None), ("Same", "same", None), ("SAME", "same", None),
                              (2, "manual", [2, 2]), ([1, 3], "manual", [1, 3]), (0, "manual", [0, 0])):
        props = {"cropping_mode": mode}
        if size is not None:
            props["cropping_size"] = size
        layer(f"cropping/{json.dumps(value).replace(' ', '').replace(chr(34), '')}", "R1.3" if isinstance(value, str) else "R1",
              [4, 2], {"Cropping": value}, {"properties": props})
    for value in ("GLOROT", "He", "NarrowNormal", "zeros", "ONES"):
        layer(f"values/weights-initializer-{value}", "R1.3", [3, 2], {"WeightsInitializer": value},
              {"properties": {"weights_initializer": value.lower()}})
    for value in ("Zeros", "NARROWNORMAL", "ones"):
        layer(f"values/bias-initializer-{value}", "R1.3", [3, 2], {"BiasInitializer": value},
              {"properties": {"bias_initializer": value.lower()}})
    layer("values/num-channels-auto-spelled", "R1.3", [3, 2], {"NumChannels": "AUTO"}, {"properties": {"num_channels": "auto"}})

    invalid = [  # (id, args, options, error classes, words the message must contain, spec)
        ("filter-size-zero", [0, 2], {}, ["ValueError"], ["filter"], "R1.1"),
        ("filter-size-non-integral", [2.5, 2], {}, ["ValueError"], ["filter"], "R1.1"),
        ("filter-size-boolean", [True, 2], {}, ["ValueError"], ["filter"], "R1.1"),
        ("num-filters-negative", [3, -1], {}, ["ValueError"], ["filters"], "R1.1"),
        ("num-filters-nan", [3, {"float": "nan"}], {}, ["ValueError"], ["filters"], "R1.1"),
        ("stride-zero", [3, 2], {"Stride": 0}, ["ValueError"], ["stride"], "R1.1"),
        ("stride-inf", [3, 2], {"Stride": {"float": "inf"}}, ["ValueError"], ["stride"], "R1.1"),
        ("cropping-negative", [3, 2], {"Cropping": -1}, ["ValueError"], ["crop"], "R1"),
        ("cropping-three", [3, 2], {"Cropping": [1, 2, 3]}, ["ValueError"], ["crop"], "R1"),
        ("cropping-string", [3, 2], {"Cropping": "valid"}, ["ValueError"], ["crop"], "R1.3"),
        ("num-channels-zero", [3, 2], {"NumChannels": 0}, ["ValueError"], ["channels"], "R1.1"),
        ("num-channels-string", [3, 2], {"NumChannels": "many"}, ["ValueError"], ["channels"], "R1.3"),
        ("weights-initializer-unknown", [3, 2], {"WeightsInitializer": "xavier"}, ["ValueError"], ["initializer"], "R1.3"),
        ("bias-initializer-glorot", [3, 2], {"BiasInitializer": "glorot"}, ["ValueError"], ["initializer"], "R1.3"),
        ("weight-learn-rate-negative", [3, 2], {"WeightLearnRateFactor": -1}, ["ValueError"], ["learn"], "R6.3"),
        ("bias-l2-nan", [3, 2], {"BiasL2Factor": {"float": "nan"}}, ["ValueError"], ["l2"], "R6.3"),
        ("weights-wrong-size", [3, 2], {"Weights": arr(ramp((3, 3, 1)))}, ["ValueError"], ["3", "2"], "R1.5"),
        ("bias-wrong-size", [3, 2], {"Bias": arr([[1.0, 2.0, 3.0]])}, ["ValueError"], ["2"], "R1.5"),
        ("weights-integer", [3, 2], {"Weights": arr(ramp((3, 2, 1)), "int64")}, ["TypeError", "ValueError"], ["weights"], "R1.6"),
        ("weights-float16", [3, 2], {"Weights": arr(ramp((3, 2, 1)), "float16")}, ["TypeError", "ValueError"], ["weights"], "R1.6"),
        ("bias-complex", [3, 2], {"Bias": arr([[1.0, 2.0]], "complex128")}, ["TypeError", "ValueError"], ["bias"], "R1.6"),
        ("weights-conflict-num-channels", [3, 2], {"NumChannels": 4, "Weights": arr(ramp((3, 2, 1)))}, ["ValueError"],
         ["channels"], "R1.5"),
    ]
    for case_id, args, options, errors, words, spec in invalid:
        layer(f"invalid/{case_id}", spec, args, options, {"error": errors, "message_contains": words})

    layer("weights/fix-num-channels", "R1.5", [3, 2], {"Weights": arr(ramp((3, 2, 5)), "float32")},
          {"properties": {"num_channels": 5, "weights": arr(ramp((3, 2, 5)), "float32")}},
          "Weights of size F x K x C fix NumChannels to C when it was 'auto'")
    layer("weights/stored-float64", "R1.5", [2, 1], {"Weights": arr([[[0.5]], [[0.25]]]), "Bias": arr([[2.0]])},
          {"properties": {"weights": arr([[[0.5]], [[0.25]]]), "bias": arr([[2.0]])}})

    # Setting properties after construction.
    def setting(case_id, spec, prop, value, expect, options=None):
        layer(f"set/{case_id}", spec, [3, 2], options or {}, expect, set={"property": prop, "value": value})

    setting("num-filters-read-only", "R1", "num_filters", 5, {"error": ["AttributeError", "TypeError", "ValueError"],
                                                              "properties": {"num_filters": 2}})
    setting("weight-l2-factor", "R6.3", "weight_l2_factor", 2.5, {"properties": {"weight_l2_factor": 2.5}})
    setting("bias-learn-rate-zero", "R6.3", "bias_learn_rate_factor", 0, {"properties": {"bias_learn_rate_factor": 0}})
    setting("weight-learn-rate-negative", "R6.3", "weight_learn_rate_factor", -0.5, {"error": ["ValueError"]})
    setting("bias-l2-inf", "R6.3", "bias_l2_factor", {"float": "inf"}, {"error": ["ValueError"]})
    setting("factor-boolean", "R6.3", "weight_l2_factor", True, {"error": ["ValueError", "TypeError"]})
    setting("weights-wrong-size", "R1.5", "weights", arr(ramp((3, 2, 2))), {"error": ["ValueError"]}, {"NumChannels": 3})
    setting("weights-right-size", "R1.5", "weights", arr(ramp((3, 2, 4))), {"properties": {"weights": arr(ramp((3, 2, 4))),
                                                                                          "num_channels": 4}})
    setting("bias-wrong-size", "R1.5", "bias", arr([[1.0, 2.0, 3.0]]), {"error": ["ValueError"]})
    setting("bias-integer", "R1.6", "bias", arr([[1, 2]], "int32"), {"error": ["TypeError", "ValueError"]})

    # The display of R1.4: the vendor's example, compared line by line with
    # surrounding and repeated blanks ignored.
    vendor_lines = [
        "TransposedConvolution1DLayer with properties:", "Name: ''", "Hyperparameters", "FilterSize: 11",
        "NumChannels: 'auto'", "NumFilters: 96", "Stride: 4", "CroppingMode: 'manual'", "CroppingSize: [0 0]",
        "Learnable Parameters", "Weights: []", "Bias: []",
    ]
    cases.append({"id": "properties/display/vendor-example", "spec": "R1.4", "kind": "layer_display",
                  "args": [11, 96], "options": {"Stride": 4}, "expect": {"lines": vendor_lines}})
    initialized = list(vendor_lines)
    initialized[4] = "NumChannels: 3"
    initialized[-2:] = ["Weights: 11×96×3 single", "Bias: 1×96 single"]
    cases.append({"id": "properties/display/initialized", "spec": "R1.4", "kind": "layer_display",
                  "args": [11, 96], "options": {"Stride": 4}, "initialize": {"num_channels": 3, "seed": 0},
                  "expect": {"lines": initialized}})
    same_lines = ["TransposedConvolution1DLayer with properties:", "Name: 'up'", "Hyperparameters", "FilterSize: 5",
                  "NumChannels: 'auto'", "NumFilters: 2", "Stride: 2", "CroppingMode: 'same'"]
    cases.append({"id": "properties/display/same-named", "spec": "R1.4", "kind": "layer_display",
                  "args": [5, 2], "options": {"Stride": 2, "Cropping": "same", "Name": "up"},
                  "expect": {"lines": same_lines}})
    return cases


# ---------------------------------------------------------------- initializers (R5)


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


def initializers_cases():
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
        cases.append({
            "id": f"initializers/{case_id}", "spec": spec, "kind": "layer_initializer", "description": description,
            "args": [filter_size, filters] if parameter == "weights" else [1, 20000], "options": options,
            "initialize": {"num_channels": channels if parameter == "weights" else 1, "seed": seed},
            "parameter": parameter, "checks": checks,
        })

    bound = math.sqrt(6 / (num_in + num_out))
    glorot_var = 2 / (num_in + num_out)
    note = (f"each statistical check has a false-alarm rate of at most {ALPHA:g} for a correct implementation "
            f"(two-sided z = {z:.4f}; KS thresholds from the DKW inequality)")
    stats("glorot/shape-dtype", "R5.6", "glorot", [{"test": "shape", "shape": size}, {"test": "dtype", "dtype": "float32"}],
          "initialized parameters are float32, of size F x K x C")
    stats("glorot/bounds", "R5.1", "glorot", [{"test": "bounds", "low": -bound, "high": bound}],
          f"every value in [-a, a], a = sqrt(6/(numIn+numOut)) = {bound:.6g}")
    stats("glorot/uniform-ks", "R5.1", "glorot",
          [{"test": "ks", "distribution": "uniform", "low": -bound, "high": bound, "alpha": ALPHA}],
          "Kolmogorov-Smirnov against U(-a, a); tells uniform from a normal of the same variance. " + note)
    stats("glorot/uniform-chi2", "R5.1", "glorot",
          [{"test": "chi2_uniform", "low": -bound, "high": bound, "bins": 32, "alpha": ALPHA}],
          "chi-square goodness of fit over 32 equal bins of [-a, a]. " + note)
    stats("glorot/variance", "R5.1", "glorot",
          [{"test": "mean", "std": math.sqrt(glorot_var), "alpha": ALPHA},
           {"test": "variance", "variance": glorot_var, "excess_kurtosis": -1.2, "alpha": ALPHA}],
          f"mean 0 and variance 2/(numIn+numOut) = {glorot_var:.6g}. " + note)
    he_std = math.sqrt(2 / num_in)
    stats("he/normal-ks", "R5.2", "he", [{"test": "ks", "distribution": "normal", "std": he_std, "alpha": ALPHA}],
          f"Kolmogorov-Smirnov against N(0, 2/numIn), sd = {he_std:.6g}. " + note)
    stats("he/variance", "R5.2", "he",
          [{"test": "mean", "std": he_std, "alpha": ALPHA},
           {"test": "variance", "variance": he_std**2, "excess_kurtosis": 0.0, "alpha": ALPHA}],
          "mean 0 and variance 2/numIn (numIn = FilterSize*NumChannels, not numOut nor their sum). " + note)
    stats("he/normal-tails", "R5.2", "he",
          [{"test": "tail_fraction", "threshold": 2 * he_std, "expected": math.erfc(2 / math.sqrt(2)), "alpha": ALPHA}],
          "the fraction beyond 2 sd is 4.55% (a uniform of the same variance has none beyond 1.73 sd). " + note)
    stats("narrownormal/weights", "R5.3", "narrownormal",
          [{"test": "ks", "distribution": "normal", "std": 0.01, "alpha": ALPHA},
           {"test": "variance", "variance": 1e-4, "excess_kurtosis": 0.0, "alpha": ALPHA}],
          "N(0, 0.01^2) whatever the layer size. " + note)
    stats("narrownormal/bias", "R5.3", "narrownormal",
          [{"test": "shape", "shape": [1, 20000]}, {"test": "dtype", "dtype": "float32"},
           {"test": "ks", "distribution": "normal", "std": 0.01, "alpha": ALPHA},
           {"test": "variance", "variance": 1e-4, "excess_kurtosis": 0.0, "alpha": ALPHA}],
          "bias of 1 x 20000 from N(0, 0.01^2). " + note, parameter="bias")
    for name, value in (("zeros", 0.0), ("ones", 1.0)):
        stats(f"{name}/weights", "R5.4", name, [{"test": "constant", "value": value}, {"test": "shape", "shape": size}],
              f"every weight exactly {value:g}")
        stats(f"{name}/bias", "R5.4", name, [{"test": "constant", "value": value}, {"test": "shape", "shape": [1, 20000]}],
              f"every bias exactly {value:g}", parameter="bias")
    stats("default/bias-zeros", "R5.4", None, [{"test": "constant", "value": 0.0}], "BiasInitializer defaults to zeros",
          parameter="bias")
    stats("default/weights-glorot", "R5.1", None, [{"test": "bounds", "low": -bound, "high": bound},
                                                    {"test": "ks", "distribution": "uniform", "low": -bound, "high": bound,
                                                     "alpha": ALPHA}],
          "WeightsInitializer defaults to glorot. " + note)

    # Callables (R5.5): the runner passes a recording function.
    for parameter, expected in (("weights", [3, 2, 4]), ("bias", [1, 2])):
        common = {"args": [3, 2], "initialize": {"num_channels": 4, "seed": 0}, "parameter": parameter}
        cases.append({"id": f"initializers/callable/{parameter}-size", "spec": "R5.5", "kind": "layer_initializer_callable",
                      **common, "behaviour": "fill", "fill": 0.25,
                      "expect": {"calls": [expected], "constant": 0.25}})
        cases.append({"id": f"initializers/callable/{parameter}-wrong-size", "spec": "R5.5", "kind": "layer_initializer_callable",
                      **common, "behaviour": "wrong_size", "expect": {"error": ["ValueError"]}})
        cases.append({"id": f"initializers/callable/{parameter}-raises", "spec": "R5.5", "kind": "layer_initializer_callable",
                      **common, "behaviour": "raise", "expect": {"error": ["propagated"]},
                      "description": "an exception raised inside the callable reaches the caller unchanged"})
    # Reproducibility (R5.6).
    for initializer in ("glorot", "he", "narrownormal"):
        cases.append({"id": f"initializers/seed/{initializer}", "spec": "R5.6", "kind": "layer_initializer_seed",
                      "args": [5, 4], "options": {"WeightsInitializer": initializer, "BiasInitializer": "narrownormal"},
                      "num_channels": 3, "seed": 7, "other_seed": 8,
                      "description": "the same seed gives the same parameters; another seed other parameters"})
    # Lazy initialization at the first forward call: NumChannels 'auto' is taken from the input (R5).
    cases.append({"id": "initializers/lazy-at-first-predict", "spec": "R5", "kind": "layer_predict",
                  "args": [3, 2], "options": {"Stride": 2, "Cropping": "same"},
                  "x": rnd((5, 4, 2), 6001, "float32"), "fmt": "TCB",
                  "expect": {"properties": {"num_channels": 4}, "weights_shape": [3, 2, 4], "bias_shape": [1, 2],
                             "shape": [10, 2, 2], "rtol": RTOL["float32"]},
                  "description": "predict on 4-channel TCB data initializes 3x2x4 weights; y = forward(x) with them"})
    cases.append({"id": "initializers/predict-channel-mismatch", "spec": "R4.4", "kind": "layer_predict",
                  "args": [3, 2], "options": {"NumChannels": 3},
                  "x": rnd((2, 4, 5), 6002, "float32"), "fmt": "BCT",
                  "expect": {"error": ["ValueError"], "message_contains": ["4", "3"]},
                  "description": "NumChannels 3, data with 4 channels"})
    # Only empty parameters are initialized (R5).
    cases.append({"id": "initializers/keeps-given-weights", "spec": "R5", "kind": "layer",
                  "args": [2, 1], "options": {"Weights": arr([[[0.5]], [[0.25]]], "float32"), "WeightsInitializer": "ones"},
                  "initialize": {"num_channels": None, "seed": 0},
                  "expect": {"properties": {"weights": arr([[[0.5]], [[0.25]]], "float32"), "bias": arr([[0.0]], "float32")}}})
    cases.append({"id": "initializers/initialize-fixes-channels", "spec": "R5", "kind": "layer",
                  "args": [3, 2], "options": {"WeightsInitializer": "ones"}, "initialize": {"num_channels": 6, "seed": 0},
                  "expect": {"properties": {"num_channels": 6, "weights": arr(ramp((3, 2, 6), 1, 0), "float32")}}})
    return cases


# ---------------------------------------------------------------- writing


CATEGORIES = {
    "output_size": (output_size_cases, "R2: the output length for (L, F, S, Cropping), or the documented error"),
    "cropping": (cropping_cases, "R2.2-R2.3: where the crop falls, and the bias-only extension of 'same' when F < S"),
    "properties": (properties_cases, "R1: the layer's properties, their names, values, errors and display"),
    "initializers": (initializers_cases, "R5: every initializer, statistically with fixed seeds, and callables"),
    "formats": (formats_cases, "R4: every supported format and axis order, and the rejected ones"),
    "numerics": (numerics_cases, "R3.1-R3.6: exact hand-checkable outputs and randomized cases against the oracle"),
    "gradients": (gradients_cases, "R3.3: dx, dW and db against exact values and the oracle; the adjoint identity"),
}


def dump(category: str, description: str, cases: list) -> str:
    """One case per line: compact, yet diffs show which case changed."""
    ids = [case["id"] for case in cases]
    assert len(ids) == len(set(ids)), f"duplicate ids in {category}"
    head = json.dumps({"schema_version": SCHEMA_VERSION, "category": category, "description": description,
                       "generated_by": "conformance/generate_cases.py"}, ensure_ascii=False)
    body = ",\n".join(json.dumps(case, ensure_ascii=False, separators=(",", ":"), allow_nan=False) for case in cases)
    return head[:-1] + ', "cases": [\n' + body + "\n]}\n"


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out_dir = argv[0] if argv else CASES_DIR
    os.makedirs(out_dir, exist_ok=True)
    for category, (build, description) in CATEGORIES.items():
        cases = build()
        path = os.path.join(out_dir, f"{category}.json")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(dump(category, description, cases))
        print(f"{path}: {len(cases)} cases")
    return 0


if __name__ == "__main__":
    sys.exit(main())
