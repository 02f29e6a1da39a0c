"""Name-value options of the layer constructor (SPEC R1.2, R1.3)."""

from __future__ import annotations

import numpy as np
import pytest

import tconv1d
from tconv1d.options import OPTIONS, canonical_name, parse_options

# One valid, non-default value per option, with how to read it back.
VALUES = {
    "Stride": (3, lambda layer: layer.stride == 3),
    "Cropping": ([1, 2], lambda layer: layer.cropping_size == [1, 2]),
    "NumChannels": (4, lambda layer: layer.num_channels == 4),
    "WeightsInitializer": ("he", lambda layer: layer.weights_initializer == "he"),
    "BiasInitializer": ("ones", lambda layer: layer.bias_initializer == "ones"),
    "Weights": (np.ones((5, 2, 4), np.float32), lambda layer: layer.weights.shape == (5, 2, 4)),
    "Bias": (np.ones((1, 2), np.float32), lambda layer: layer.bias.shape == (1, 2)),
    "WeightLearnRateFactor": (2.5, lambda layer: layer.weight_learn_rate_factor == 2.5),
    "BiasLearnRateFactor": (0.5, lambda layer: layer.bias_learn_rate_factor == 0.5),
    "WeightL2Factor": (3, lambda layer: layer.weight_l2_factor == 3),
    "BiasL2Factor": (4, lambda layer: layer.bias_l2_factor == 4),
    "Name": ("up1", lambda layer: layer.name == "up1"),
}


def test_the_table_covers_every_constructor_option():
    assert set(VALUES) == set(OPTIONS)


def _spellings(vendor: str) -> list[str]:
    snake = OPTIONS[vendor]
    return [vendor, vendor.lower(), vendor.upper(), snake, snake.upper()]


@pytest.mark.parametrize("vendor", sorted(OPTIONS))
def test_every_spelling_sets_the_option(vendor):
    value, check = VALUES[vendor]
    for spelling in _spellings(vendor):
        layer = tconv1d.transposed_conv1d_layer(5, 2, **{spelling: value})
        assert check(layer), spelling


def test_vendor_example_spellings():
    for spelling in ("Stride", "STRIDE", "stride", "sTrIdE"):
        assert tconv1d.transposed_conv1d_layer(11, 96, **{spelling: 4}).stride == 4


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [
        ("Strid", "Stride"),
        ("crop", "Cropping"),
        ("weight_initializer", "WeightsInitializer"),
        ("BiasL2", "BiasL2Factor"),
        ("NumChan", "NumChannels"),
        ("nmae", "Name"),
    ],
)
def test_unknown_name_lists_valid_names_and_closest_match(name, suggestion):
    with pytest.raises(TypeError) as info:
        tconv1d.transposed_conv1d_layer(11, 96, **{name: 1})
    message = str(info.value)
    assert repr(name) in message
    assert f"Did you mean {suggestion}" in message
    for vendor in OPTIONS:
        assert vendor in message


@pytest.mark.parametrize("name", ["S", "Str", "Crop", "Weight", "NumChan"])
def test_no_partial_name_matching(name):
    with pytest.raises(TypeError, match="unknown option"):
        tconv1d.transposed_conv1d_layer(11, 96, **{name: 1})


@pytest.mark.parametrize("name", ["CroppingMode", "CroppingSize", "FilterSize", "NumFilters", "Padding"])
def test_properties_that_are_not_options_are_rejected(name):
    with pytest.raises(TypeError, match="unknown option"):
        tconv1d.transposed_conv1d_layer(11, 96, **{name: 1})


def test_unrelated_name_still_lists_the_valid_names():
    with pytest.raises(TypeError) as info:
        tconv1d.transposed_conv1d_layer(11, 96, zzzzzz=1)
    assert "Valid options" in str(info.value) and "WeightL2Factor" in str(info.value)


@pytest.mark.parametrize(
    ("first", "second"), [("Stride", "stride"), ("NAME", "name"), ("BiasL2Factor", "bias_l2_factor")]
)
def test_same_option_under_two_spellings_is_an_error(first, second):
    with pytest.raises(TypeError, match="given twice"):
        tconv1d.transposed_conv1d_layer(
            11, 96, **{first: 1, second: 1} if first != "NAME" else {first: "a", second: "b"}
        )


def test_parse_options_maps_to_snake_case():
    assert parse_options({"Stride": 2, "weights_initializer": "he", "NAME": "x"}) == {
        "stride": 2,
        "weights_initializer": "he",
        "name": "x",
    }


def test_option_names_must_be_strings():
    with pytest.raises(TypeError, match="option names must be strings"):
        canonical_name(3)


# R1.3: string values are matched case-insensitively.
@pytest.mark.parametrize("value", ["same", "Same", "SAME"])
def test_cropping_same_is_case_insensitive(value):
    layer = tconv1d.transposed_conv1d_layer(4, 2, Cropping=value)
    assert layer.cropping_mode == "same"
    assert layer.cropping == "same"


@pytest.mark.parametrize(("value", "expected"), [("GLOROT", "glorot"), ("He", "he"), ("NarrowNormal", "narrownormal")])
def test_weights_initializer_names_are_case_insensitive(value, expected):
    assert tconv1d.transposed_conv1d_layer(4, 2, WeightsInitializer=value).weights_initializer == expected


@pytest.mark.parametrize("value", ["AUTO", "Auto", "auto"])
def test_num_channels_auto_is_case_insensitive(value):
    assert tconv1d.transposed_conv1d_layer(4, 2, NumChannels=value).num_channels == "auto"


def test_unknown_string_values_name_the_option():
    with pytest.raises(ValueError, match="Cropping"):
        tconv1d.transposed_conv1d_layer(4, 2, Cropping="valid")
    with pytest.raises(ValueError, match="NumChannels"):
        tconv1d.transposed_conv1d_layer(4, 2, NumChannels="automatic")
    with pytest.raises(ValueError, match="BiasInitializer"):
        tconv1d.transposed_conv1d_layer(4, 2, BiasInitializer="Zero")
