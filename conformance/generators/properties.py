"""The properties cases: R1: the layer's properties, their names, values, errors and display."""

from __future__ import annotations

import json

from .spec import arr, ramp

DESCRIPTION = "R1: the layer's properties, their names, values, errors and display"


EMPTY = {"empty": True}


def cases():
    cases = []

    def layer(case_id, spec, args, options, expect, description=None, **extra):
        case = {
            "id": f"properties/{case_id}",
            "spec": spec,
            "kind": "layer",
            "args": args,
            "options": options,
            **extra,
            "expect": expect,
        }
        if description:
            case["description"] = description
        cases.append(case)

    defaults = {
        "filter_size": 11,
        "num_filters": 96,
        "stride": 4,
        "cropping_mode": "manual",
        "cropping_size": [0, 0],
        "num_channels": "auto",
        "weights_initializer": "glorot",
        "bias_initializer": "zeros",
        "weights": EMPTY,
        "bias": EMPTY,
        "weight_learn_rate_factor": 1,
        "bias_learn_rate_factor": 1,
        "weight_l2_factor": 1,
        "bias_l2_factor": 0,
        "name": "",
    }
    layer(
        "defaults/vendor-example",
        "R1",
        [11, 96],
        {"Stride": 4},
        {"properties": defaults},
        "transposedConv1dLayer(11,96,Stride=4): every default of the property table",
    )
    layer("defaults/stride-is-one", "R1", [3, 2], {}, {"properties": {"stride": 1, "cropping_size": [0, 0]}})
    for spelling in ("stride", "Stride", "STRIDE", "sTrIdE"):
        layer(f"names/stride-as-{spelling}", "R1.2", [3, 2], {spelling: 4}, {"properties": {"stride": 4}})
    vendor_names = {
        "NumChannels": ("num_channels", 3),
        "WeightLearnRateFactor": ("weight_learn_rate_factor", 2),
        "BiasLearnRateFactor": ("bias_learn_rate_factor", 0),
        "WeightL2Factor": ("weight_l2_factor", 0.5),
        "BiasL2Factor": ("bias_l2_factor", 3),
        "Name": ("name", "up1"),
        "WeightsInitializer": ("weights_initializer", "he"),
        "BiasInitializer": ("bias_initializer", "ones"),
    }
    for vendor, (snake, value) in vendor_names.items():
        layer(f"names/{snake}-vendor", "R1.2", [3, 2], {vendor: value}, {"properties": {snake: value}})
        layer(f"names/{snake}-snake", "R1.2", [3, 2], {snake: value}, {"properties": {snake: value}})
    layer(
        "names/unknown-option",
        "R1.2",
        [3, 2],
        {"Strid": 2},
        {"error": ["TypeError"], "message_contains": ["stride"]},
        "an unknown name lists the valid names and the closest match",
    )
    layer("names/no-partial-match", "R1.2", [3, 2], {"Str": 2}, {"error": ["TypeError"]}, "no partial-name matching")
    layer(
        "names/positional-integral-float",
        "R1.1",
        [11.0, 96.0],
        {},
        {"properties": {"filter_size": 11, "num_filters": 96}},
    )
    layer(
        "names/positional-numpy-int",
        "R1.1",
        [{"dtype": "int16", "value": 5}, {"dtype": "uint8", "value": 7}],
        {},
        {"properties": {"filter_size": 5, "num_filters": 7}},
    )

    for value, mode, size in (
        ("same", "same", None),
        ("Same", "same", None),
        ("SAME", "same", None),
        (2, "manual", [2, 2]),
        ([1, 3], "manual", [1, 3]),
        (0, "manual", [0, 0]),
    ):
        props = {"cropping_mode": mode}
        if size is not None:
            props["cropping_size"] = size
        layer(
            f"cropping/{json.dumps(value).replace(' ', '').replace(chr(34), '')}",
            "R1.3" if isinstance(value, str) else "R1",
            [4, 2],
            {"Cropping": value},
            {"properties": props},
        )
    for value in ("GLOROT", "He", "NarrowNormal", "zeros", "ONES"):
        layer(
            f"values/weights-initializer-{value}",
            "R1.3",
            [3, 2],
            {"WeightsInitializer": value},
            {"properties": {"weights_initializer": value.lower()}},
        )
    for value in ("Zeros", "NARROWNORMAL", "ones"):
        layer(
            f"values/bias-initializer-{value}",
            "R1.3",
            [3, 2],
            {"BiasInitializer": value},
            {"properties": {"bias_initializer": value.lower()}},
        )
    layer(
        "values/num-channels-auto-spelled",
        "R1.3",
        [3, 2],
        {"NumChannels": "AUTO"},
        {"properties": {"num_channels": "auto"}},
    )

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
        (
            "weights-initializer-unknown",
            [3, 2],
            {"WeightsInitializer": "xavier"},
            ["ValueError"],
            ["initializer"],
            "R1.3",
        ),
        ("bias-initializer-glorot", [3, 2], {"BiasInitializer": "glorot"}, ["ValueError"], ["initializer"], "R1.3"),
        ("weight-learn-rate-negative", [3, 2], {"WeightLearnRateFactor": -1}, ["ValueError"], ["learn"], "R6.3"),
        ("bias-l2-nan", [3, 2], {"BiasL2Factor": {"float": "nan"}}, ["ValueError"], ["l2"], "R6.3"),
        ("weights-wrong-size", [3, 2], {"Weights": arr(ramp((3, 3, 1)))}, ["ValueError"], ["3", "2"], "R1.5"),
        ("bias-wrong-size", [3, 2], {"Bias": arr([[1.0, 2.0, 3.0]])}, ["ValueError"], ["2"], "R1.5"),
        (
            "weights-integer",
            [3, 2],
            {"Weights": arr(ramp((3, 2, 1)), "int64")},
            ["TypeError", "ValueError"],
            ["weights"],
            "R1.6",
        ),
        (
            "weights-float16",
            [3, 2],
            {"Weights": arr(ramp((3, 2, 1)), "float16")},
            ["TypeError", "ValueError"],
            ["weights"],
            "R1.6",
        ),
        (
            "bias-complex",
            [3, 2],
            {"Bias": arr([[1.0, 2.0]], "complex128")},
            ["TypeError", "ValueError"],
            ["bias"],
            "R1.6",
        ),
        (
            "weights-conflict-num-channels",
            [3, 2],
            {"NumChannels": 4, "Weights": arr(ramp((3, 2, 1)))},
            ["ValueError"],
            ["channels"],
            "R1.5",
        ),
    ]
    for case_id, args, options, errors, words, spec in invalid:
        layer(f"invalid/{case_id}", spec, args, options, {"error": errors, "message_contains": words})

    # R2.5 for the layer's integer options: 2^63 - 1 is stored as given (nothing is
    # allocated until the channel count is known); 2^63 does not fit in 64 bits.
    int64_max = 2**63 - 1
    limits = [  # (name, args, options with the value, the property, a word the error names)
        ("filter-size", lambda v: ([v, 2], {}), "filter_size", "filter"),
        ("num-filters", lambda v: ([3, v], {}), "num_filters", "filters"),
        ("stride", lambda v: ([3, 2], {"Stride": v}), "stride", "stride"),
        ("num-channels", lambda v: ([3, 2], {"NumChannels": v}), "num_channels", "channels"),
        ("cropping", lambda v: ([3, 2], {"Cropping": v}), "cropping_size", "cropping"),
        ("cropping-left", lambda v: ([3, 2], {"Cropping": [v, 0]}), "cropping_size", "cropping"),
    ]
    for name, build, prop, word in limits:
        args, options = build(int64_max)
        stored = {"cropping": [int64_max, int64_max], "cropping-left": [int64_max, 0]}.get(name, int64_max)
        layer(f"limit/{name}-int64-max", "R2.5", args, options, {"properties": {prop: stored}})
        args, options = build(2**63)
        layer(
            f"limit/{name}-beyond-int64",
            "R2.5",
            args,
            options,
            {"error": ["ValueError", "OverflowError"], "message_contains": [word]},
        )
    layer(
        "limit/initialize-beyond-memory",
        "R2.5",
        [int64_max, int64_max],
        {},
        {"error": ["ValueError", "OverflowError", "MemoryError"]},
        "Weights of (2^63-1)^3 elements: a clear error, never a wrapped size or a crash",
        initialize={"num_channels": int64_max},
    )
    layer(
        "weights/initialize-conflicting-num-channels",
        "R1.5",
        [3, 2],
        {"Weights": arr(ramp((3, 2, 4)))},
        {"error": ["ValueError"], "message_contains": ["channels"]},
        "Weights of 4 channels fix NumChannels; initialize(num_channels=5) conflicts with them",
        initialize={"num_channels": 5},
    )

    layer(
        "weights/fix-num-channels",
        "R1.5",
        [3, 2],
        {"Weights": arr(ramp((3, 2, 5)), "float32")},
        {"properties": {"num_channels": 5, "weights": arr(ramp((3, 2, 5)), "float32")}},
        "Weights of size F x K x C fix NumChannels to C when it was 'auto'",
    )
    layer(
        "weights/stored-float64",
        "R1.5",
        [2, 1],
        {"Weights": arr([[[0.5]], [[0.25]]]), "Bias": arr([[2.0]])},
        {"properties": {"weights": arr([[[0.5]], [[0.25]]]), "bias": arr([[2.0]])}},
    )

    # Setting properties after construction.
    def setting(case_id, spec, prop, value, expect, options=None):
        layer(f"set/{case_id}", spec, [3, 2], options or {}, expect, set={"property": prop, "value": value})

    setting(
        "num-filters-read-only",
        "R1",
        "num_filters",
        5,
        {"error": ["AttributeError", "TypeError", "ValueError"], "properties": {"num_filters": 2}},
    )
    setting("weight-l2-factor", "R6.3", "weight_l2_factor", 2.5, {"properties": {"weight_l2_factor": 2.5}})
    setting("bias-learn-rate-zero", "R6.3", "bias_learn_rate_factor", 0, {"properties": {"bias_learn_rate_factor": 0}})
    setting("weight-learn-rate-negative", "R6.3", "weight_learn_rate_factor", -0.5, {"error": ["ValueError"]})
    setting("bias-l2-inf", "R6.3", "bias_l2_factor", {"float": "inf"}, {"error": ["ValueError"]})
    setting("factor-boolean", "R6.3", "weight_l2_factor", True, {"error": ["ValueError", "TypeError"]})
    setting(
        "weights-wrong-size", "R1.5", "weights", arr(ramp((3, 2, 2))), {"error": ["ValueError"]}, {"NumChannels": 3}
    )
    setting(
        "weights-right-size",
        "R1.5",
        "weights",
        arr(ramp((3, 2, 4))),
        {"properties": {"weights": arr(ramp((3, 2, 4))), "num_channels": 4}},
    )
    setting("bias-wrong-size", "R1.5", "bias", arr([[1.0, 2.0, 3.0]]), {"error": ["ValueError"]})
    setting("bias-integer", "R1.6", "bias", arr([[1, 2]], "int32"), {"error": ["TypeError", "ValueError"]})

    # The display of R1.4: the vendor's example, compared line by line with
    # surrounding and repeated blanks ignored.
    vendor_lines = [
        "TransposedConvolution1DLayer with properties:",
        "Name: ''",
        "Hyperparameters",
        "FilterSize: 11",
        "NumChannels: 'auto'",
        "NumFilters: 96",
        "Stride: 4",
        "CroppingMode: 'manual'",
        "CroppingSize: [0 0]",
        "Learnable Parameters",
        "Weights: []",
        "Bias: []",
    ]
    cases.append(
        {
            "id": "properties/display/vendor-example",
            "spec": "R1.4",
            "kind": "layer_display",
            "args": [11, 96],
            "options": {"Stride": 4},
            "expect": {"lines": vendor_lines},
        }
    )
    initialized = list(vendor_lines)
    initialized[4] = "NumChannels: 3"
    initialized[-2:] = ["Weights: 11×96×3 single", "Bias: 1×96 single"]
    cases.append(
        {
            "id": "properties/display/initialized",
            "spec": "R1.4",
            "kind": "layer_display",
            "args": [11, 96],
            "options": {"Stride": 4},
            "initialize": {"num_channels": 3, "seed": 0},
            "expect": {"lines": initialized},
        }
    )
    same_lines = [
        "TransposedConvolution1DLayer with properties:",
        "Name: 'up'",
        "Hyperparameters",
        "FilterSize: 5",
        "NumChannels: 'auto'",
        "NumFilters: 2",
        "Stride: 2",
        "CroppingMode: 'same'",
    ]
    cases.append(
        {
            "id": "properties/display/same-named",
            "spec": "R1.4",
            "kind": "layer_display",
            "args": [5, 2],
            "options": {"Stride": 2, "Cropping": "same", "Name": "up"},
            "expect": {"lines": same_lines},
        }
    )
    return cases
