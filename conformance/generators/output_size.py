"""The output_size cases: R2: the output length for (L, F, S, Cropping), or the documented error."""

from __future__ import annotations

from .spec import INT64_MAX, expected_length, full_length

DESCRIPTION = "R2: the output length for (L, F, S, Cropping), or the documented error"


def cases():
    cases = []
    # The frozen exhaustive grid: every (L, F, S) with L 1-8, F 1-9, S 1-5; every
    # symmetric crop n up to the first that breaks Lout >= 1, and every crop total
    # l + r from 0 to Lfull (the last one breaks it), split several ways.
    for length in range(1, 9):
        for filter_size in range(1, 10):
            for stride in range(1, 6):
                lfull = full_length(length, filter_size, stride)
                rows = []
                for n in range((lfull + 1) // 2 + 1):
                    rows.append([n, expected_length(length, filter_size, stride, n)])
                for total in range(lfull + 1):
                    # Every total; each split left-only, balanced (both ways) and right-only.
                    for left in sorted({0, total // 2, total - total // 2, total}):
                        crop = [left, total - left]
                        rows.append([crop, expected_length(length, filter_size, stride, crop)])
                rows = [[c, "ValueError" if v is None else v] for c, v in rows]
                cases.append(
                    {
                        "id": f"output_size/manual/L{length}-F{filter_size}-S{stride}",
                        "spec": "R2.2",
                        "kind": "output_length_grid",
                        "length": length,
                        "filter_size": filter_size,
                        "stride": stride,
                        "rows": rows,
                    }
                )
    for filter_size in range(1, 10):
        for stride in range(1, 6):
            rows = [[length, "same", expected_length(length, filter_size, stride, "same")] for length in range(1, 9)]
            cases.append(
                {
                    "id": f"output_size/same/F{filter_size}-S{stride}",
                    "spec": "R2.3",
                    "kind": "output_length_table",
                    "filter_size": filter_size,
                    "stride": stride,
                    "rows": rows,
                }
            )

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
    single(
        "large/full-at-int64-max",
        "R2.5",
        {"length": 2**62, "filter_size": 1, "stride": 2, "cropping": 0},
        value(2**62, 1, 2, 0),
        "(L-1)*S + F = 2^63 - 1 fits exactly",
    )
    single(
        "large/crop-near-limit",
        "R2.5",
        {"length": 2**62, "filter_size": 1, "stride": 2, "cropping": [INT64_MAX - 1, 0]},
        value(2**62, 1, 2, [INT64_MAX - 1, 0]),
    )
    single(
        "large/same-near-limit",
        "R2.5",
        {"length": 2**61, "filter_size": 4, "stride": 3, "cropping": "same"},
        value(2**61, 4, 3, "same"),
    )
    single(
        "large/product-overflows",
        "R2.5",
        {"length": 2**62 + 1, "filter_size": 1, "stride": 2, "cropping": 0},
        overflow,
        "(L-1)*S = 2^63 does not fit",
    )
    single(
        "large/sum-overflows",
        "R2.5",
        {"length": 2**62, "filter_size": 2, "stride": 2, "cropping": 0},
        overflow,
        "(L-1)*S + F = 2^63 does not fit",
    )
    single(
        "large/filter-plus-one-overflows",
        "R2.5",
        {"length": 2, "filter_size": INT64_MAX, "stride": 1, "cropping": 0},
        overflow,
    )
    single(
        "large/same-overflows",
        "R2.5",
        {"length": 2**62, "filter_size": 1, "stride": 2, "cropping": "same"},
        overflow,
        "L*S = 2^63 does not fit",
    )
    single(
        "large/product-wraps-to-small",
        "R2.5",
        {"length": 2**32 + 1, "filter_size": 1, "stride": 2**32, "cropping": 0},
        overflow,
        "(L-1)*S = 2^64 would wrap to 0 in unchecked 64-bit arithmetic",
    )
    single(
        "large/length-beyond-64-bits",
        "R2.5",
        {"length": 2**64 + 5, "filter_size": 1, "stride": 1, "cropping": 0},
        overflow,
    )

    # R2.5 at the edge of 64 bits for every integer argument, one at a time: the
    # largest value (2^63 - 1) where the formula still fits, and one past it (2^63).
    small = {"length": 1, "filter_size": 3, "stride": 1, "cropping": 0}
    limits = [  # (name, arguments that differ from `small`, the value that must fit)
        ("length", {"length": INT64_MAX, "filter_size": 1}, {"length": 2**63, "filter_size": 1}),
        ("filter-size", {"filter_size": INT64_MAX}, {"filter_size": 2**63}),
        ("stride", {"stride": INT64_MAX}, {"stride": 2**63}),
        ("crop", {"length": INT64_MAX, "filter_size": 1, "cropping": 2**62 - 1}, {"cropping": 2**63}),
        (
            "crop-left",
            {"length": INT64_MAX, "filter_size": 1, "cropping": [INT64_MAX - 1, 0]},
            {"cropping": [2**63, 0]},
        ),
        (
            "crop-right",
            {"length": INT64_MAX, "filter_size": 1, "cropping": [0, INT64_MAX - 1]},
            {"cropping": [0, 2**63]},
        ),
    ]
    for name, fits, past in limits:
        args = {**small, **fits}
        single(f"limit/{name}-int64-max", "R2.5", args, value(**args), f"{name} at 2^63 - 1: the result fits")
        single(
            f"limit/{name}-beyond-int64", "R2.5", {**small, **past}, overflow, f"{name} = 2^63 does not fit in 64 bits"
        )
    single(
        "limit/crop-both-int64-max",
        "R2.5",
        {**small, "cropping": INT64_MAX},
        overflow,
        "[2^63-1 2^63-1]: l + r does not fit, and Lout < 1 anyway",
    )

    # Argument validation (R1.1, R1.3, R2.4).
    single(
        "error/length-zero",
        "R2.4",
        {"length": 0, "filter_size": 3, "stride": 1, "cropping": 0},
        {"error": ["ValueError"], "message_contains": ["length"]},
    )
    single(
        "error/filter-size-zero",
        "R1.1",
        {"length": 4, "filter_size": 0, "stride": 1, "cropping": 0},
        {"error": ["ValueError"], "message_contains": ["filter"]},
    )
    single(
        "error/stride-zero",
        "R1.1",
        {"length": 4, "filter_size": 3, "stride": 0, "cropping": 0},
        {"error": ["ValueError"], "message_contains": ["stride"]},
    )
    single(
        "error/stride-negative",
        "R1.1",
        {"length": 4, "filter_size": 3, "stride": -2, "cropping": 0},
        {"error": ["ValueError"], "message_contains": ["stride"]},
    )
    single(
        "error/filter-size-non-integral",
        "R1.1",
        {"length": 4, "filter_size": 2.5, "stride": 1, "cropping": 0},
        {"error": ["ValueError"], "message_contains": ["filter", "2.5"]},
    )
    single(
        "error/stride-boolean",
        "R1.1",
        {"length": 4, "filter_size": 3, "stride": True, "cropping": 0},
        {"error": ["ValueError"], "message_contains": ["stride"]},
    )
    single(
        "error/length-nan",
        "R1.1",
        {"length": {"float": "nan"}, "filter_size": 3, "stride": 1, "cropping": 0},
        {"error": ["ValueError"], "message_contains": ["length"]},
    )
    single(
        "error/stride-inf",
        "R1.1",
        {"length": 4, "filter_size": 3, "stride": {"float": "inf"}, "cropping": 0},
        {"error": ["ValueError"], "message_contains": ["stride"]},
    )
    single(
        "error/crop-negative",
        "R1",
        {"length": 4, "filter_size": 3, "stride": 1, "cropping": -1},
        {"error": ["ValueError"], "message_contains": ["crop"]},
    )
    single(
        "error/crop-pair-negative",
        "R1",
        {"length": 4, "filter_size": 3, "stride": 1, "cropping": [0, -1]},
        {"error": ["ValueError"], "message_contains": ["crop"]},
    )
    single(
        "error/crop-three-values",
        "R1",
        {"length": 4, "filter_size": 3, "stride": 1, "cropping": [1, 1, 1]},
        {"error": ["ValueError"], "message_contains": ["crop"]},
    )
    single(
        "error/crop-unknown-string",
        "R1.3",
        {"length": 4, "filter_size": 3, "stride": 1, "cropping": "valid"},
        {"error": ["ValueError"], "message_contains": ["crop"]},
    )
    single(
        "error/crop-non-integral",
        "R1.1",
        {"length": 4, "filter_size": 3, "stride": 1, "cropping": 0.5},
        {"error": ["ValueError"], "message_contains": ["crop"]},
    )
    single(
        "error/lout-zero",
        "R2.2",
        {"length": 2, "filter_size": 3, "stride": 1, "cropping": [2, 2]},
        {"error": ["ValueError"]},
        "Lfull = 4, l + r = 4: Lout = 0",
    )
    # What R1.1 and R1.3 accept.
    single(
        "accept/integral-floats",
        "R1.1",
        {"length": 4.0, "filter_size": 3.0, "stride": 2.0, "cropping": 1.0},
        value(4, 3, 2, 1),
    )
    for dtype in ("int8", "uint8", "int16", "int32", "int64", "uint64", "float32"):
        single(
            f"accept/numpy-{dtype}",
            "R1.1",
            {
                "length": {"dtype": dtype, "value": 5},
                "filter_size": {"dtype": dtype, "value": 3},
                "stride": {"dtype": dtype, "value": 2},
                "cropping": {"dtype": dtype, "value": 1},
            },
            value(5, 3, 2, 1),
        )
    for spelling in ("same", "Same", "SAME", "sAmE"):
        single(
            f"accept/same-spelled-{spelling}",
            "R1.3",
            {"length": 5, "filter_size": 4, "stride": 3, "cropping": spelling},
            value(5, 4, 3, "same"),
        )
    single(
        "accept/crop-tuple",
        "R1",
        {"length": 5, "filter_size": 3, "stride": 2, "cropping": {"tuple": [1, 2]}},
        value(5, 3, 2, [1, 2]),
    )
    single(
        "accept/default-stride-and-cropping",
        "R1",
        {"length": 5, "filter_size": 3},
        value(5, 3, 1, 0),
        "Stride defaults to 1 and Cropping to 0",
    )
    return cases
