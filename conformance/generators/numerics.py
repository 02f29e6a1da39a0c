"""The numerics cases: R3.1-R3.6: exact hand-checkable outputs and randomized cases against the oracle."""

from __future__ import annotations

import json
import math

from .spec import INT64_MAX, RTOL, arr, backward, expected_length, forward, json_specials, ramp, rnd

DESCRIPTION = "R3.1-R3.6: exact hand-checkable outputs and randomized cases against the oracle"


def cases():
    cases = []

    def exact(case_id, spec, x, w, b, stride, cropping, description, dtype="float64"):
        cases.append(
            {
                "id": f"numerics/{case_id}",
                "spec": spec,
                "kind": "forward",
                "description": description,
                "x": arr(x, dtype),
                "weights": arr(w, dtype),
                "bias": None if b is None else arr(b, dtype),
                "stride": stride,
                "cropping": cropping,
                "fmt": "BCT",
                "expect": {"values": arr(forward(x, w, b, stride, cropping), dtype)},
            }
        )

    # ONNX's published test_convtranspose_1d: X = [0, 1, 2] (1x1x3), W = ones (1x1x3
    # in ONNX/PyTorch layout [c, k, f]) -> Y = [0, 1, 3, 3, 2]. In this layout W is 3x1x1.
    onnx_y = forward([[[0, 1, 2]]], [[[1]], [[1]], [[1]]], None, 1, 0)
    assert onnx_y == [[[0, 1, 3, 3, 2]]]
    exact(
        "onnx-test-convtranspose-1d",
        "R3.2",
        [[[0, 1, 2]]],
        [[[1]], [[1]], [[1]]],
        None,
        1,
        0,
        "ONNX test_convtranspose_1d: X=[0,1,2], W=ones(3) -> Y=[0,1,3,3,2]",
    )
    exact(
        "no-filter-flip",
        "R3.1",
        [[[1]]],
        [[[1]], [[2]], [[3]]],
        None,
        1,
        0,
        "a single 1 reproduces the filter in order [1 2 3] (no flip)",
    )
    exact(
        "no-filter-flip-strided",
        "R3.1",
        [[[1, 10]]],
        [[[1]], [[2]], [[3]]],
        None,
        2,
        0,
        "y = [1 2 3+10 20 30]: copies of the filter at i*S",
    )
    exact("identity", "R3.1", [[[3, -1, 4, 1, -5]]], [[[1]]], None, 1, 0, "F=1, S=1, W=1: y = x")
    exact(
        "upsample-by-zero-insertion",
        "R3.1",
        [[[3, -1, 4]]],
        [[[1]]],
        None,
        3,
        0,
        "F=1, S=3: the input spread out with two zeros between samples",
    )
    exact(
        "overlap-add",
        "R3.1",
        [[[1, 2, 3, 4]]],
        [[[1]], [[1]], [[1]], [[1]]],
        None,
        2,
        0,
        "F=4, S=2: each output position sums two windows",
    )
    exact("bias-everywhere", "R3.1", [[[0, 0]]], [[[0]], [[0]]], [7], 1, 0, "zero data: y = bias at every position")
    exact(
        "channels-sum",
        "R3.1",
        [[[1, 2], [10, 20], [100, 200]]],
        [[[1, 1, 1]], [[2, 2, 2]]],
        None,
        1,
        0,
        "three channels summed into one filter",
    )
    exact(
        "filters-separate",
        "R3.1",
        [[[1, 2]]],
        [[[1], [-1], [10]]],
        [0, 1, 2],
        1,
        0,
        "three filters, each its own output channel with its own bias",
    )
    exact(
        "batch-independent",
        "R3.1",
        [[[1, 2]], [[3, 4]], [[0, 0]]],
        [[[1]], [[2]]],
        [1],
        2,
        0,
        "the batch items do not mix",
    )
    exact("length-one", "R3.1", [[[2], [3]]], ramp((3, 2, 2)), [1, -1], 5, 0, "L = 1: y is the filter scaled, Lout = F")
    exact("length-one-same", "R2.3", [[[2], [3]]], ramp((3, 2, 2)), [1, -1], 5, "same", "L = 1, F < S with 'same'")
    exact(
        "multichannel-strided-cropped",
        "R3.1",
        [ramp((3, 6), 1), ramp((3, 6), -9)],
        ramp((4, 2, 3), -5),
        [3, -3],
        3,
        [1, 2],
        "N=2 C=3 K=2 F=4 S=3 crop [1 2], integer data",
    )
    exact(
        "float32-exact",
        "R3.4",
        [ramp((2, 5), 1)],
        ramp((3, 3, 2), -4),
        [1, 2, 3],
        2,
        "same",
        "float32 in, float32 out, exact for small integers",
        dtype="float32",
    )

    # dtype rules (R3.4).
    cases.append(
        {
            "id": "numerics/dtype/weights-float64-with-float32-data",
            "spec": "R3.4",
            "kind": "forward",
            "description": "Weights of the other float dtype are converted; the computation and output are float32",
            "x": arr([[[1, 2, 3]]], "float32"),
            "weights": arr([[[0.5]], [[0.25]]], "float64"),
            "bias": arr([1], "float64"),
            "stride": 2,
            "cropping": 0,
            "fmt": "BCT",
            "expect": {"values": arr(forward([[[1, 2, 3]]], [[[0.5]], [[0.25]]], [1], 2, 0), "float32")},
        }
    )
    cases.append(
        {
            "id": "numerics/dtype/weights-float32-with-float64-data",
            "spec": "R3.4",
            "kind": "forward",
            "x": arr([[[1, 2, 3]]], "float64"),
            "weights": arr([[[0.5]], [[0.25]]], "float32"),
            "bias": None,
            "stride": 1,
            "cropping": 0,
            "fmt": "BCT",
            "expect": {"values": arr(forward([[[1, 2, 3]]], [[[0.5]], [[0.25]]], None, 1, 0), "float64")},
        }
    )
    for dtype in ("int32", "int64", "float16", "complex128", "bool"):
        cases.append(
            {
                "id": f"numerics/dtype/reject-{dtype}-data",
                "spec": "R3.4",
                "kind": "forward",
                "x": arr([[[1, 0, 1]]], dtype),
                "weights": arr([[[1.0]]]),
                "bias": None,
                "stride": 1,
                "cropping": 0,
                "fmt": "BCT",
                "expect": {"error": ["TypeError"]},
            }
        )
    cases.append(
        {
            "id": "numerics/error/lout-below-one",
            "spec": "R2.2",
            "kind": "forward",
            "x": arr([[[1, 2]]]),
            "weights": arr([[[1.0]], [[1.0]]]),
            "bias": None,
            "stride": 1,
            "cropping": [2, 1],
            "fmt": "BCT",
            "expect": {"error": ["ValueError"]},
        }
    )

    # Non-contiguous, reversed-stride, Fortran-ordered and read-only inputs are valid (R7.2):
    # the runner passes views with these layouts holding the same values.
    for layout in ("reversed", "strided", "fortran", "readonly"):
        x = [ramp((3, 5), 1), ramp((3, 5), -7)]
        w = ramp((4, 2, 3), -6)
        b = [1, -1]
        for kind in ("forward", "backward"):
            case = {
                "id": f"numerics/layout/{kind}-{layout}",
                "spec": "R7.2",
                "kind": kind,
                "description": f"every array argument passed as a {layout} view",
                "x": arr(x),
                "weights": arr(w),
                "stride": 2,
                "cropping": [1, 2],
                "fmt": "BCT",
                "layout": layout,
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
    cases.append(
        {
            "id": "numerics/ieee/nan-propagates",
            "spec": "R3.6",
            "kind": "forward",
            "description": "a NaN input spreads to exactly the F positions it reaches",
            "x": arr([[[1, nan, 1, 1]]]),
            "weights": arr([[[1.0]], [[1.0]]]),
            "bias": None,
            "stride": 2,
            "cropping": 0,
            "fmt": "BCT",
            "expect": {"values": arr([[[1, 1, nan, nan, 1, 1, 1, 1]]])},
        }
    )
    cases.append(
        {
            "id": "numerics/ieee/inf-propagates",
            "spec": "R3.6",
            "kind": "forward",
            "description": "+Inf times a positive weight is +Inf; times a negative weight -Inf; Inf - Inf is NaN",
            "x": arr([[[inf, inf, 1]]]),
            "weights": arr([[[1.0]], [[-1.0]]]),
            "bias": None,
            "stride": 1,
            "cropping": 0,
            "fmt": "BCT",
            "expect": {"values": arr([[[inf, nan, "-Infinity", -1]]])},
        }
    )

    # Which products exist decides where a non-finite value leaves a NaN: forward
    # has only W*x (no product with anything past the input's ends, R3.1); the
    # backward passes sum over the zero-re-padded dy (R3.3), so a non-finite
    # weight or input meeting a cropped position makes NaN (Inf * 0). The
    # expected values are those sums evaluated in IEEE double arithmetic.
    def ieee(case_id, kind, x, w, stride, cropping, description, dy=None):
        case = {
            "id": f"numerics/ieee/{case_id}",
            "spec": "R3.6",
            "kind": kind,
            "description": description,
            "x": arr(json_specials(x)),
            "weights": arr(json_specials(w)),
            "stride": stride,
            "cropping": cropping,
            "fmt": "BCT",
        }
        if kind == "forward":
            case["bias"] = None
            case["expect"] = {"values": arr(json_specials(forward(x, w, None, stride, cropping)))}
        else:
            dx, dw, db = backward(x, w, dy, stride, cropping)
            case["dy"] = arr(json_specials(dy))
            case["expect"] = {
                "dx": arr(json_specials(dx)),
                "dweights": arr(json_specials(dw)),
                "dbias": arr(json_specials(db)),
            }
        cases.append(case)

    INF, NAN = math.inf, math.nan
    # Long enough (L = 40) that implementations with a separate small-shape path take their main one.
    ieee(
        "forward-inf-weight-past-the-input",
        "forward",
        [[[0.0] + [float(v) for v in range(2, 41)]]],
        [[[INF]], [[1.0]], [[1.0]]],
        1,
        0,
        "W = [Inf 1 1], x = [0 2 3 ... 40]: y = [NaN Inf ... Inf 79 40]; Inf * 0 is NaN only where the product "
        "exists (x[0] = 0), never past the input's end",
    )
    ieee(
        "forward-nan-weight-strided-cropped",
        "forward",
        [ramp((2, 4), 1)],
        [[[1.0, NAN]], [[2.0, 0.0]], [[-1.0, 1.0]]],
        2,
        [1, 2],
        "a NaN weight reaches only the outputs its own products land in",
    )
    ieee(
        "backward-inf-weight-meets-cropping",
        "backward",
        [ramp((1, 3), 1)],
        [[[INF]], [[1.0]], [[2.0]]],
        1,
        [1, 1],
        "dx sums W * dy_full over every tap: taps landing in the cropped margins multiply Inf by 0, NaN",
        dy=[[[1.0, -1.0, 2.0]]],
    )
    ieee(
        "backward-inf-input-meets-cropping",
        "backward",
        [[[-INF, 1.0, 2.0, 3.0]]],
        [[[1.0]], [[1.0]], [[1.0]]],
        2,
        [2, 0],
        "dW sums x * dy_full over every input: x[0] = -Inf lands in the cropped margin for taps 0 and 1, NaN there",
        dy=[[[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]]],
    )
    ieee(
        "backward-non-finite-long",
        "backward",
        [[[-INF] + [float(v) for v in range(1, 40)]]],
        [[[1.0]], [[NAN]], [[1.0]]],
        2,
        [2, 1],
        "L = 40: x[0] = -Inf meets the cropped margin through taps 0 and 1 (dW NaN there); the NaN weight "
        "reaches every dx",
        dy=[[[float(v % 7 - 3) for v in range(expected_length(40, 3, 2, [2, 1]))]]],
    )
    ieee(
        "backward-nan-dy",
        "backward",
        [ramp((2, 3), 1)],
        [[[1.0, -1.0]], [[0.5, 2.0]]],
        2,
        "same",
        "a NaN in dy reaches the dx it is correlated into, every dW of its filter, and its db",
        dy=[[[1.0, NAN, 2.0, 0.0, -1.0, 3.0]]],
    )

    # R2.5 through the operation: a stride of 2^63 - 1 is valid where it never
    # multiplies (L = 1); 2^63 and crops past the output are errors, not wrapped sizes.
    exact(
        "limit/stride-int64-max-L1",
        "R2.5",
        [[[2], [3]]],
        ramp((3, 2, 2)),
        [1, -1],
        INT64_MAX,
        0,
        "L = 1: the output is the F filter taps, whatever the stride",
    )
    for case_id, stride, cropping in (
        ("stride-beyond-int64", 2**63, 0),
        ("crop-beyond-int64", 1, 2**63),
        ("crop-right-int64-max", 1, [0, INT64_MAX]),
        ("crop-left-beyond-int64", 1, [2**63, 0]),
    ):
        cases.append(
            {
                "id": f"numerics/limit/{case_id}",
                "spec": "R2.5",
                "kind": "forward",
                "x": arr([[[1.0, 2.0]]]),
                "weights": arr([[[1.0]], [[1.0]]]),
                "bias": None,
                "stride": stride,
                "cropping": cropping,
                "fmt": "BCT",
                "expect": {"error": ["ValueError", "OverflowError"]},
            }
        )
    # R3.5's float32 bound at its limit: about 10^5 terms per output (C channels,
    # F = S so each position gets exactly one tap per channel). Nonnegative data
    # makes rounding errors add up instead of cancelling.
    for distribution in ("normal", "uniform"):
        channels = 99_991
        cases.append(
            {
                "id": f"numerics/accuracy/float32-reduction-1e5-{distribution}",
                "spec": "R3.5",
                "kind": "forward",
                "x": rnd((1, channels, 3), 2101, "float32", distribution),
                "weights": rnd((2, 2, channels), 2102, "float32", distribution),
                "bias": None,
                "stride": 2,
                "cropping": 0,
                "fmt": "BCT",
                "expect": {"oracle": True, "rtol": RTOL["float32"], "dtype": "float32", "shape": [1, 2, 6]},
            }
        )

    # Randomized cases against the runner's oracle, with the tolerances of R3.5.
    seed = 1000
    shapes = [  # (N, C, K, L, F, S, cropping)
        (1, 1, 1, 7, 3, 1, 0),
        (2, 3, 4, 9, 5, 2, 1),
        (3, 2, 2, 6, 4, 4, "same"),
        (1, 4, 3, 5, 7, 3, "same"),
        (2, 2, 3, 8, 2, 5, "same"),
        (4, 1, 2, 1, 6, 3, [2, 1]),
        (2, 5, 1, 12, 3, 3, [0, 2]),
        (1, 3, 5, 10, 11, 4, [3, 4]),
    ]
    for dtype in ("float64", "float32"):
        for n, c, k, length, filter_size, stride, cropping in shapes:
            seed += 1
            cases.append(
                {
                    "id": f"numerics/random/{dtype}/N{n}-C{c}-K{k}-L{length}-F{filter_size}-S{stride}-{json.dumps(cropping).replace(' ', '')}",
                    "spec": "R3.5",
                    "kind": "forward",
                    "x": rnd((n, c, length), seed, dtype),
                    "weights": rnd((filter_size, k, c), seed + 100, dtype),
                    "bias": rnd((k,), seed + 200, dtype),
                    "stride": stride,
                    "cropping": cropping,
                    "fmt": "BCT",
                    "expect": {
                        "oracle": True,
                        "rtol": RTOL[dtype],
                        "dtype": dtype,
                        "shape": [n, k, expected_length(length, filter_size, stride, cropping)],
                    },
                }
            )
    # A long reduction in float32 (C*F terms per output = 4096).
    cases.append(
        {
            "id": "numerics/random/float32/long-reduction",
            "spec": "R3.5",
            "kind": "forward",
            "x": rnd((1, 512, 6), 2001, "float32"),
            "weights": rnd((8, 2, 512), 2002, "float32"),
            "bias": None,
            "stride": 1,
            "cropping": 0,
            "fmt": "BCT",
            "expect": {"oracle": True, "rtol": RTOL["float32"], "dtype": "float32", "shape": [1, 2, 13]},
        }
    )
    return cases
