"""The cropping cases: R2.2-R2.3: where the crop falls, and the bias-only extension of 'same' when F < S."""

from __future__ import annotations

from .spec import arr, crop_of, forward, ramp

DESCRIPTION = "R2.2-R2.3: where the crop falls, and the bias-only extension of 'same' when F < S"


def cases():
    cases = []
    # (L, F, S, cropping): 'same' with even, odd, zero and negative crop totals
    # (t = F - S), and manual crops, symmetric and not.
    geometries = [
        (4, 5, 1, "same"),  # t = 4, even: [2 2]
        (4, 4, 1, "same"),  # t = 3, odd: [1 2], the extra element trimmed on the right
        (3, 6, 3, "same"),  # t = 3, odd, strided
        (4, 2, 1, "same"),  # t = 1: [0 1]
        (3, 3, 3, "same"),  # t = 0: nothing cropped
        (3, 2, 3, "same"),  # t = -1: bias-only extension of one element
        (3, 1, 4, "same"),  # t = -3: extension of three
        (1, 1, 5, "same"),  # L = 1, t = -4
        (2, 7, 2, "same"),  # t = 5: [2 3]
        (5, 3, 2, 1),  # manual n = [1 1]
        (5, 3, 2, [0, 2]),  # right only
        (5, 3, 2, [2, 0]),  # left only
        (5, 3, 2, [1, 3]),
        (4, 5, 1, [2, 2]),  # the manual twin of the first 'same'
        (4, 4, 1, [1, 2]),  # the manual twin of the odd 'same'
    ]
    for length, filter_size, stride, cropping in geometries:
        channels, filters = 2, 2
        x = [ramp((channels, length), 1)]
        w = ramp((filter_size, filters, channels), 1)
        w = [
            [[v if (f + k + c) % 2 == 0 else -v for c, v in enumerate(row)] for k, row in enumerate(plane)]
            for f, plane in enumerate(w)
        ]
        b = [100, -200]
        y = forward(x, w, b, stride, cropping)
        left, right, extension = crop_of(cropping, filter_size, stride)
        crop_text = (
            cropping
            if isinstance(cropping, str)
            else (f"[{cropping} {cropping}]" if isinstance(cropping, int) else f"[{cropping[0]} {cropping[1]}]")
        )
        crop_id = (
            "same"
            if cropping == "same"
            else ("n" + str(cropping) if isinstance(cropping, int) else f"l{cropping[0]}r{cropping[1]}")
        )
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
            cases.append(
                {
                    "id": f"cropping/values/L{length}-F{filter_size}-S{stride}-{crop_id}{suffix}",
                    "spec": spec,
                    "kind": "forward",
                    "description": description,
                    "resolved_crop": [left, right],
                    "extension": extension,
                    "x": arr(x, dtype),
                    "weights": arr(w, dtype),
                    "bias": arr(b, dtype),
                    "stride": stride,
                    "cropping": cropping,
                    "fmt": "BCT",
                    "expect": {"values": arr(y, dtype)},
                }
            )
    # The bias-only extension holds exactly the bias, even with zero weights and data.
    x = [[[0.0, 0.0]]]
    w = [[[0.0]]]
    cases.append(
        {
            "id": "cropping/extension-holds-only-bias",
            "spec": "R2.3",
            "kind": "forward",
            "description": "F=1 < S=4 with 'same': output length L*S = 8, positions 5..7 hold only the bias",
            "x": arr([[[1.0, 2.0]]]),
            "weights": arr([[[3.0]]]),
            "bias": arr([0.5]),
            "stride": 4,
            "cropping": "same",
            "fmt": "BCT",
            "expect": {"values": arr(forward([[[1, 2]]], [[[3]]], [0.5], 4, "same"))},
        }
    )
    del x, w
    return cases
