"""The gradients cases: R3.3: dx, dW and db against exact values and the oracle; the adjoint identity."""

from __future__ import annotations

import json

from .spec import INT64_MAX, RTOL, arr, backward, expected_length, ramp, rnd

DESCRIPTION = "R3.3: dx, dW and db against exact values and the oracle; the adjoint identity"


def cases():
    cases = []
    exact_geometries = [  # (N, C, K, L, F, S, cropping)
        (1, 1, 1, 3, 3, 1, 0),
        (2, 2, 3, 4, 3, 2, 0),
        (1, 2, 2, 5, 4, 2, [1, 2]),
        (2, 1, 2, 4, 5, 1, "same"),
        (1, 2, 1, 3, 4, 1, "same"),
        (2, 2, 2, 3, 2, 3, "same"),
        (1, 1, 2, 2, 1, 4, "same"),
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
        cases.append(
            {
                "id": f"gradients/exact/N{n}-C{c}-K{k}-L{length}-F{filter_size}-S{stride}-{json.dumps(cropping).replace(' ', '')}",
                "spec": spec,
                "kind": "backward",
                "description": description,
                "x": arr(x),
                "weights": arr(w),
                "dy": arr(dy),
                "stride": stride,
                "cropping": cropping,
                "fmt": "BCT",
                "expect": {"dx": arr(dx), "dweights": arr(dw), "dbias": arr(db)},
            }
        )
    # R2.5: the stride 2^63 - 1 where it never multiplies (L = 1).
    x, w, dy = [[[2], [-1]]], ramp((3, 2, 2)), [[[1, 2, 3], [-1, 0, 4]]]
    dx, dw, db = backward(x, w, dy, INT64_MAX, 0)
    cases.append(
        {
            "id": "gradients/limit/stride-int64-max-L1",
            "spec": "R2.5",
            "kind": "backward",
            "x": arr(x),
            "weights": arr(w),
            "dy": arr(dy),
            "stride": INT64_MAX,
            "cropping": 0,
            "fmt": "BCT",
            "expect": {"dx": arr(dx), "dweights": arr(dw), "dbias": arr(db)},
        }
    )
    # R3.5's float32 bound at its limit: dW and db each sum N * L = 99,998 terms.
    for distribution in ("normal", "uniform"):
        cases.append(
            {
                "id": f"gradients/accuracy/float32-reduction-1e5-{distribution}",
                "spec": "R3.5",
                "kind": "backward",
                "x": rnd((2, 2, 49_999), 3101, "float32", distribution),
                "weights": rnd((1, 2, 2), 3102, "float32", distribution),
                "dy": rnd((2, 2, 49_999), 3103, "float32", distribution),
                "stride": 1,
                "cropping": 0,
                "fmt": "BCT",
                "expect": {"oracle": True, "rtol": RTOL["float32"], "dtype": "float32"},
            }
        )
    seed = 3000
    shapes = [
        (2, 3, 2, 7, 3, 2, 0),
        (1, 2, 4, 5, 6, 3, "same"),
        (3, 1, 2, 4, 2, 5, "same"),
        (2, 4, 3, 6, 5, 1, [2, 1]),
        (1, 3, 3, 9, 4, 4, [0, 3]),
        (2, 2, 2, 1, 3, 2, 1),
    ]
    for dtype in ("float64", "float32"):
        for n, c, k, length, filter_size, stride, cropping in shapes:
            seed += 1
            out_length = expected_length(length, filter_size, stride, cropping)
            crop_id = json.dumps(cropping).replace(" ", "")
            geometry = f"N{n}-C{c}-K{k}-L{length}-F{filter_size}-S{stride}-{crop_id}"
            common = {
                "x": rnd((n, c, length), seed, dtype),
                "weights": rnd((filter_size, k, c), seed + 100, dtype),
                "dy": rnd((n, k, out_length), seed + 200, dtype),
                "stride": stride,
                "cropping": cropping,
                "fmt": "BCT",
            }
            cases.append(
                {
                    "id": f"gradients/random/{dtype}/{geometry}",
                    "spec": "R3.3",
                    "kind": "backward",
                    **common,
                    "expect": {"oracle": True, "rtol": RTOL[dtype], "dtype": dtype},
                }
            )
            cases.append(
                {
                    "id": f"gradients/adjoint/{dtype}/{geometry}",
                    "spec": "R3.3",
                    "kind": "adjoint",
                    **common,
                    "description": "<forward(x; W), dy> = <x, dx> = <W, dW> (bias 0): the forward is bilinear",
                    "expect": {"rtol": 10 * RTOL[dtype]},
                }
            )
    cases.append(
        {
            "id": "gradients/error/dy-wrong-shape",
            "spec": "R7.1",
            "kind": "backward",
            "x": arr([[[1, 2, 3]]]),
            "weights": arr([[[1.0]], [[1.0]]]),
            "dy": arr([[[1, 1, 1]]]),
            "stride": 1,
            "cropping": 0,
            "fmt": "BCT",
            "expect": {"error": ["ValueError"], "message_contains": ["dy"]},
        }
    )
    return cases
