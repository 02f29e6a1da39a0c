"""The formats cases: R4: every supported format and axis order, and the rejected ones."""

from __future__ import annotations

import itertools

from .spec import RTOL, expected_length, rnd

DESCRIPTION = "R4: every supported format and axis order, and the rejected ones"


def cases():
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
            cases.append(
                {
                    "id": f"formats/{fmt}/{labels}",
                    "spec": "R4.2" if labels != fmt else "R4.1",
                    "kind": "forward",
                    "description": f"{labels} (format {fmt}): axis {upsampled} grows from {shape[axis]} to {out_shape[axis]}",
                    "x": rnd(shape, seed),
                    "weights": rnd((filter_size, filters, sizes["C"]), seed + 500),
                    "bias": rnd((filters,), seed + 900),
                    "stride": stride,
                    "cropping": cropping,
                    "fmt": labels,
                    "expect": {"oracle": True, "rtol": RTOL["float64"], "dtype": "float64", "shape": out_shape},
                }
            )
    # The gradients follow the format as well.
    for labels, shape in (("TCB", [4, 3, 2]), ("BTSC", [2, 4, 5, 3]), ("CS", [3, 5])):
        seed += 1
        upsampled = "S" if "S" in labels else "T"
        out_shape = list(shape)
        axis = labels.index(upsampled)
        out_shape[axis] = expected_length(shape[axis], filter_size, stride, "same")
        out_shape[labels.index("C")] = filters
        cases.append(
            {
                "id": f"formats/backward/{labels}",
                "spec": "R4.2",
                "kind": "backward",
                "x": rnd(shape, seed),
                "weights": rnd((filter_size, filters, 3), seed + 500),
                "dy": rnd(out_shape, seed + 900),
                "stride": stride,
                "cropping": "same",
                "fmt": labels,
                "expect": {"oracle": True, "rtol": RTOL["float64"], "dtype": "float64"},
            }
        )
    bad = [  # (fmt, shape, why)
        ("SSC", [5, 5, 3], "two S"),
        ("UCB", [5, 3, 2], "a U"),
        ("SCU", [5, 3, 2], "a U"),
        ("CB", [3, 2], "no S and no T"),
        ("SB", [5, 2], "no C"),
        ("BCT", [3, 5], "labels do not match ndim"),
        ("SC", [5, 3, 2], "labels do not match ndim"),
        ("SCBB", [5, 3, 2, 2], "two B"),
        ("XCB", [5, 3, 2], "unknown label"),
        ("SCBTB", [5, 3, 2, 2, 2], "two B"),
        ("", [5], "empty"),
        ("T", [5], "no C"),
    ]
    for fmt, shape, why in bad:
        seed += 1
        cases.append(
            {
                "id": f"formats/error/{fmt or 'empty'}-{len(shape)}d",
                "spec": "R4.3",
                "kind": "forward",
                "description": f"{fmt!r} on a {len(shape)}-D array: {why}",
                "x": rnd(shape, seed),
                "weights": rnd((3, 2, 3), seed + 1),
                "bias": None,
                "stride": 1,
                "cropping": 0,
                "fmt": fmt,
                "expect": {"error": ["ValueError"]},
            }
        )
    cases.append(
        {
            "id": "formats/error/channel-mismatch",
            "spec": "R4.4",
            "kind": "forward",
            "description": "4 channels in the data, NumChannels = 3 in the weights",
            "x": rnd((2, 4, 5), 4999),
            "weights": rnd((3, 2, 3), 4998),
            "bias": None,
            "stride": 1,
            "cropping": 0,
            "fmt": "BCT",
            "expect": {"error": ["ValueError"], "message_contains": ["4", "3"]},
        }
    )
    return cases
