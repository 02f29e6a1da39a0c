"""The layer object (SPEC R1, R3.4, R4.4, R5, R6) through its public API."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import oracles
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tconv1d


def loop_forward(x_bct, w, b, stride, crop_left, out_length):
    """R3.1 written out as plain loops over a (batch, channel, length) input; shares no code with the library."""
    batch, channels, length = x_bct.shape
    filter_size, num_filters, _ = w.shape
    full = max((length - 1) * stride + filter_size, crop_left + out_length)
    y = np.zeros((batch, num_filters, full))
    for n in range(batch):
        for k in range(num_filters):
            for c in range(channels):
                for i in range(length):
                    for f in range(filter_size):
                        y[n, k, i * stride + f] += float(w[f, k, c]) * float(x_bct[n, c, i])
    y += np.asarray(b, dtype=np.float64).reshape(1, num_filters, 1)
    return y[:, :, crop_left : crop_left + out_length]


def random_layer(filter_size=3, num_filters=4, channels=2, seed=0, **options):
    layer = tconv1d.transposed_conv1d_layer(filter_size, num_filters, BiasInitializer="narrownormal", **options)
    return layer.initialize(num_channels=channels, seed=seed, dtype=np.float64)


# --- R1: construction and defaults -------------------------------------------------


def test_defaults():
    layer = tconv1d.transposed_conv1d_layer(11, 96)
    assert isinstance(layer, tconv1d.TransposedConvolution1DLayer)
    assert (layer.filter_size, layer.num_filters, layer.stride) == (11, 96, 1)
    assert layer.cropping_mode == "manual" and layer.cropping_size == [0, 0] and layer.cropping == [0, 0]
    assert layer.num_channels == "auto"
    assert layer.weights is None and layer.bias is None
    assert layer.weights_initializer == "glorot" and layer.bias_initializer == "zeros"
    assert layer.weight_learn_rate_factor == 1 and layer.bias_learn_rate_factor == 1
    assert layer.weight_l2_factor == 1 and layer.bias_l2_factor == 0
    assert layer.name == ""


def test_class_constructor_equals_factory():
    layer = tconv1d.TransposedConvolution1DLayer(5, 3, stride=2)
    assert (layer.filter_size, layer.num_filters, layer.stride) == (5, 3, 2)


@pytest.mark.parametrize("value", [4, np.int8(4), np.uint64(4), np.int32(4), 4.0, np.float32(4.0), np.array(4)])
def test_integer_arguments_accept_integer_types_and_integral_floats(value):  # R1.1
    layer = tconv1d.transposed_conv1d_layer(value, value, Stride=value, NumChannels=value)
    assert (layer.filter_size, layer.num_filters, layer.stride, layer.num_channels) == (4, 4, 4, 4)
    assert all(type(v) is int for v in (layer.filter_size, layer.num_filters, layer.stride, layer.num_channels))


BAD_INTEGERS = [2.5, float("nan"), float("inf"), -float("inf"), True, False, 0, -1, np.float64(0.5), np.bool_(True)]


@pytest.mark.parametrize("value", BAD_INTEGERS, ids=repr)
@pytest.mark.parametrize("argument", ["filter_size", "num_filters", "Stride", "NumChannels"])
def test_bad_integers_are_value_errors_naming_argument_and_value(argument, value):  # R1.1
    args = {"filter_size": 3, "num_filters": 2}
    options = {}
    if argument in args:
        args[argument] = value
    else:
        options[argument] = value
    with pytest.raises(ValueError, match=argument) as info:
        tconv1d.transposed_conv1d_layer(args["filter_size"], args["num_filters"], **options)
    message = str(info.value)
    assert str(value) in message or repr(value) in message


@pytest.mark.parametrize("value", ["3", None, [3], object()])
def test_non_numbers_are_type_errors(value):
    with pytest.raises(TypeError, match="filter_size"):
        tconv1d.transposed_conv1d_layer(value, 2)
    with pytest.raises(TypeError, match="Stride"):
        tconv1d.transposed_conv1d_layer(3, 2, Stride=value)


@pytest.mark.parametrize(("attribute", "value"), [("filter_size", 3), ("num_filters", 2), ("num_channels", "auto")])
def test_read_only_properties(attribute, value):
    layer = tconv1d.transposed_conv1d_layer(3, 2)
    with pytest.raises(AttributeError, match=r"read-only|cannot be assigned"):
        setattr(layer, attribute, 5)
    assert getattr(layer, attribute) == value


def test_unknown_attributes_cannot_be_set():
    layer = tconv1d.transposed_conv1d_layer(3, 2)
    with pytest.raises(AttributeError):
        layer.strid = 4  # a typo must not pass silently


def test_stride_is_settable_and_validated():
    layer = tconv1d.transposed_conv1d_layer(3, 2)
    layer.stride = 5.0
    assert layer.stride == 5
    with pytest.raises(ValueError, match="Stride"):
        layer.stride = 0
    assert layer.stride == 5


@pytest.mark.parametrize(
    ("cropping", "mode", "size"),
    [
        (0, "manual", [0, 0]),
        (2, "manual", [2, 2]),
        ([1, 3], "manual", [1, 3]),
        ((0, 2), "manual", [0, 2]),
        (np.array([4, 1], dtype=np.uint8), "manual", [4, 1]),
        (np.int16(3), "manual", [3, 3]),
        ("same", "same", [0, 0]),
    ],
)
def test_cropping_forms(cropping, mode, size):
    layer = tconv1d.transposed_conv1d_layer(9, 2, Cropping=cropping)
    assert layer.cropping_mode == mode
    assert layer.cropping_size == size


@pytest.mark.parametrize("cropping", [-1, [1], [1, 2, 3], [1.5, 0], [0, -2], "valid", 2.5, True])
def test_bad_cropping_is_a_value_error_naming_it(cropping):
    with pytest.raises(ValueError, match="Cropping"):
        tconv1d.transposed_conv1d_layer(3, 2, Cropping=cropping)


def test_cropping_of_another_type_is_a_type_error():
    with pytest.raises(TypeError, match="Cropping"):
        tconv1d.transposed_conv1d_layer(3, 2, Cropping={"left": 1})


def test_cropping_size_is_a_fresh_list():
    layer = tconv1d.transposed_conv1d_layer(3, 2, Cropping=[1, 1])
    layer.cropping_size.append(9)
    layer.cropping.append(9)
    assert layer.cropping_size == [1, 1]


@pytest.mark.parametrize(
    ("filter_size", "stride", "length", "crop"),
    [(5, 2, 7, [1, 2]), (4, 2, 3, [1, 1]), (3, 3, 4, [0, 0]), (2, 4, 5, [0, 0]), (11, 4, 6, [3, 4])],
)
def test_same_cropping_size_is_resolved_by_the_first_input(filter_size, stride, length, crop):  # R1, R2.3
    layer = tconv1d.transposed_conv1d_layer(filter_size, 3, Stride=stride, Cropping="same")
    assert layer.cropping_size == [0, 0]
    y = layer.predict(np.ones((2, 1, length), np.float32))
    assert y.shape == (3, 1, length * stride)
    assert layer.cropping_size == crop
    assert layer.cropping_mode == "same"
    layer.cropping = 1  # assigning Cropping re-derives mode and size
    assert (layer.cropping_mode, layer.cropping_size) == ("manual", [1, 1])
    layer.cropping = "SAME"
    assert layer.cropping_size == [0, 0]


def test_name_property():
    layer = tconv1d.transposed_conv1d_layer(3, 2, Name="tconv_1")
    assert layer.name == "tconv_1"
    layer.name = np.str_("other")
    assert layer.name == "other" and type(layer.name) is str
    for bad in (None, 3, b"bytes"):
        with pytest.raises(TypeError, match="Name"):
            layer.name = bad
    with pytest.raises(TypeError, match="Name"):
        tconv1d.transposed_conv1d_layer(3, 2, Name=1)


# --- R1.5, R1.6: Weights and Bias ----------------------------------------------------


def test_weights_fix_num_channels_when_auto():
    layer = tconv1d.transposed_conv1d_layer(3, 2)
    layer.weights = np.zeros((3, 2, 5), np.float32)
    assert layer.num_channels == 5
    layer.weights = np.zeros((3, 2, 7), np.float32)  # still 'auto' underneath: follows the weights
    assert layer.num_channels == 7
    layer.weights = None
    assert layer.num_channels == "auto"


def test_weights_option_fixes_num_channels():
    layer = tconv1d.transposed_conv1d_layer(3, 2, Weights=np.zeros((3, 2, 4)))
    assert layer.num_channels == 4
    assert tconv1d.transposed_conv1d_layer(3, 2, Weights=np.zeros((3, 2, 4)), NumChannels=4).num_channels == 4


def test_conflicting_explicit_num_channels():
    with pytest.raises(ValueError, match=r"4 channels.*NumChannels is 3"):
        tconv1d.transposed_conv1d_layer(3, 2, NumChannels=3, Weights=np.zeros((3, 2, 4)))
    layer = tconv1d.transposed_conv1d_layer(3, 2, NumChannels=3)
    with pytest.raises(ValueError, match=r"expected size 3×2×3"):
        layer.weights = np.zeros((3, 2, 4))
    assert layer.weights is None and layer.num_channels == 3


@pytest.mark.parametrize("shape", [(3, 2), (2, 2, 4), (3, 3, 4), (3, 2, 4, 1), (4, 2, 3), (6,)])
def test_weights_of_wrong_size_state_the_expected_size(shape):
    layer = tconv1d.transposed_conv1d_layer(3, 2)
    with pytest.raises(
        ValueError, match=r"Weights must be of size FilterSize×NumFilters×NumChannels = 3×2×NumChannels"
    ):
        layer.weights = np.zeros(shape)
    assert layer.weights is None
    with pytest.raises(ValueError, match=r"3×2×5"):
        tconv1d.transposed_conv1d_layer(3, 2, NumChannels=5, Weights=np.zeros(shape))


def test_scalar_weights_are_rejected():
    with pytest.raises(ValueError, match="Weights must be of size"):
        tconv1d.transposed_conv1d_layer(3, 2, Weights=1.5)


@pytest.mark.parametrize("shape", [(2, 1), (2, 2), (1, 3), (3,), (1, 1, 2)])
def test_bias_of_wrong_size_states_the_expected_size(shape):
    layer = tconv1d.transposed_conv1d_layer(3, 2)
    with pytest.raises(ValueError, match=r"Bias must be of size 1×NumFilters = 1×2"):
        layer.bias = np.zeros(shape)
    assert layer.bias is None


def test_bias_accepts_row_and_vector():
    layer = tconv1d.transposed_conv1d_layer(3, 2, Bias=np.array([1.0, 2.0]))
    assert layer.bias.shape == (1, 2) and layer.bias.dtype == np.float64
    layer.bias = np.array([[3.0, 4.0]], np.float32)
    assert layer.bias.shape == (1, 2) and layer.bias.dtype == np.float32


@pytest.mark.parametrize("empty", [None, [], np.zeros((0,)), np.zeros((0, 0), np.float32), np.zeros((3, 2, 0))])
def test_empty_values_empty_the_parameters(empty):
    layer = random_layer()
    layer.weights = empty
    layer.bias = empty
    assert layer.weights is None and layer.bias is None


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint8, bool, np.complex64, np.complex128, np.float16])
def test_non_float_parameters_are_rejected(dtype):  # R1.6
    layer = tconv1d.transposed_conv1d_layer(3, 2)
    with pytest.raises(TypeError, match="Weights"):
        layer.weights = np.zeros((3, 2, 1), dtype=dtype)
    with pytest.raises(TypeError, match="Bias"):
        layer.bias = np.zeros((1, 2), dtype=dtype)
    with pytest.raises(TypeError, match="Weights"):
        tconv1d.transposed_conv1d_layer(3, 2, Weights=np.zeros((3, 2, 1), dtype=dtype))
    assert layer.weights is None and layer.bias is None


def test_integer_lists_are_rejected_float_lists_accepted():  # R1.6
    with pytest.raises(TypeError, match="Bias"):
        tconv1d.transposed_conv1d_layer(3, 2, Bias=[[1, 2]])
    assert tconv1d.transposed_conv1d_layer(3, 2, Bias=[[1.0, 2.0]]).bias.dtype == np.float64


def test_parameters_are_stored_as_given_and_decoupled_from_the_caller():  # R1.5
    w = np.arange(12, dtype=np.float64).reshape(3, 2, 2)
    b = np.array([[0.5, -0.5]], np.float32)
    w_before, b_before = w.copy(), b.copy()
    layer = tconv1d.transposed_conv1d_layer(3, 2, Weights=w, Bias=b)
    assert layer.weights.dtype == np.float64 and layer.bias.dtype == np.float32
    assert np.array_equal(layer.weights, w) and np.array_equal(layer.bias, b)
    assert not np.shares_memory(layer.weights, w) and not np.shares_memory(layer.bias, b)
    layer.predict(np.ones((2, 3, 4)))
    layer.backward(np.ones((2, 3, 4)), np.ones((2, 3, 6)))
    layer.initialize(seed=1)
    assert np.array_equal(w, w_before) and np.array_equal(b, b_before)  # the caller's arrays are untouched
    w[:] = -1
    assert np.array_equal(layer.weights, w_before)  # ... and later changes to them do not reach the layer
    assert layer.weights is layer.weights  # reading does not copy


def test_read_only_and_strided_parameters_are_accepted():  # R7.2
    base = np.arange(48, dtype=np.float32).reshape(3, 2, 8)
    w = base[:, :, ::-3]  # reversed, non-contiguous: 3×2×3
    w.flags.writeable = False
    layer = tconv1d.transposed_conv1d_layer(3, 2, Weights=w)
    assert np.array_equal(layer.weights, w) and layer.num_channels == 3


def test_weights_of_the_other_float_dtype_are_converted_for_the_call():  # R3.4
    rng = np.random.default_rng(0)
    w64 = rng.standard_normal((3, 2, 2))
    x32 = rng.standard_normal((2, 4, 5)).astype(np.float32)
    layer = tconv1d.transposed_conv1d_layer(3, 2, Weights=w64, Bias=np.zeros((1, 2), np.float64))
    y = layer.predict(x32)
    assert y.dtype == np.float32
    expected = tconv1d.transposed_conv1d(x32, w64.astype(np.float32), np.zeros(2, np.float32), fmt="CBT")
    np.testing.assert_array_equal(y, expected)
    assert layer.weights.dtype == np.float64  # conversion is for the call only
    y64 = layer.predict(x32.astype(np.float64))
    assert y64.dtype == np.float64
    dx, dw, db = layer.backward(x32, np.ones_like(y))
    assert dx.dtype == dw.dtype == db.dtype == np.float32


# --- R4.4 and input validation --------------------------------------------------------


def test_channel_count_must_match_explicit_num_channels():  # R4.4
    layer = tconv1d.transposed_conv1d_layer(3, 2, NumChannels=3)
    with pytest.raises(ValueError, match=r"x has 4 channels.*NumChannels is 3"):
        layer.predict(np.ones((4, 1, 5), np.float32))
    assert layer.weights is None  # no initialization on a rejected input
    with pytest.raises(ValueError, match=r"x has 2 channels.*NumChannels is 3"):
        layer.predict(np.ones((1, 2, 5), np.float32), fmt="BCT")


def test_channel_count_must_match_after_auto_was_resolved():  # R4.4
    layer = tconv1d.transposed_conv1d_layer(3, 2)
    layer.predict(np.ones((4, 1, 5), np.float32))
    assert layer.num_channels == 4
    with pytest.raises(ValueError, match=r"x has 5 channels.*NumChannels is 4"):
        layer.predict(np.ones((5, 1, 5), np.float32))
    with pytest.raises(ValueError, match=r"x has 5 channels.*NumChannels is 4"):
        layer.backward(np.ones((5, 1, 5), np.float32), np.ones((2, 1, 7), np.float32))


@pytest.mark.parametrize("dtype", [np.int32, np.float16, np.complex64, bool])
def test_input_of_another_dtype_is_a_type_error(dtype):  # R3.4
    layer = tconv1d.transposed_conv1d_layer(3, 2)
    with pytest.raises(TypeError, match="x must be float32 or float64"):
        layer.predict(np.ones((2, 1, 5), dtype=dtype))
    assert layer.weights is None


@pytest.mark.parametrize("fmt", ["CB", "SSC", "CUT", "BCTS", "XYZ", "CCT", "SCTB"])
def test_bad_format_is_a_value_error_listing_supported(fmt):  # R4.3
    layer = tconv1d.transposed_conv1d_layer(3, 2)
    with pytest.raises(ValueError, match="supported formats"):
        layer.predict(np.ones((2, 1, 5), np.float32), fmt=fmt)
    assert layer.weights is None


def test_output_too_short_is_a_value_error_and_leaves_the_layer_alone():  # R2.2
    layer = tconv1d.transposed_conv1d_layer(3, 2, Cropping=[2, 2])
    with pytest.raises(ValueError, match="leaves no output"):
        layer.predict(np.ones((2, 1, 1), np.float32))  # Lfull = 3, crop 4
    assert layer.weights is None and layer.num_channels == "auto"


def test_zero_length_is_an_error():  # R2.4
    with pytest.raises(ValueError, match="length"):
        tconv1d.transposed_conv1d_layer(3, 2).predict(np.ones((2, 1, 0), np.float32))


# --- R5: initialization ---------------------------------------------------------------


def test_lazy_initialization_on_first_predict():  # R5
    layer = tconv1d.transposed_conv1d_layer(3, 4)
    x = np.random.default_rng(0).standard_normal((5, 2, 6)).astype(np.float32)
    y = layer.predict(x)
    assert layer.num_channels == 5
    assert layer.weights.shape == (3, 4, 5) and layer.weights.dtype == np.float32
    assert layer.bias.shape == (1, 4) and np.all(layer.bias == 0)
    w = layer.weights
    y_again = layer.predict(x)
    assert layer.weights is w  # not initialized again
    np.testing.assert_array_equal(y, y_again)


def test_lazy_initialization_is_float32_even_for_double_input():  # R5.6
    layer = tconv1d.transposed_conv1d_layer(3, 4)
    y = layer.predict(np.ones((2, 1, 4)))
    assert y.dtype == np.float64 and layer.weights.dtype == np.float32


def test_initialize_fills_only_empty_parameters():  # R5
    w = np.full((3, 2, 1), 0.25)
    layer = tconv1d.transposed_conv1d_layer(3, 2, Weights=w, BiasInitializer="ones")
    assert layer.initialize(seed=0) is layer
    assert np.array_equal(layer.weights, w) and layer.weights.dtype == np.float64
    assert np.array_equal(layer.bias, [[1, 1]])


def test_initialize_with_explicit_num_channels():
    layer = tconv1d.transposed_conv1d_layer(3, 2, NumChannels=6).initialize()
    assert layer.weights.shape == (3, 2, 6)
    with pytest.raises(ValueError, match="num_channels = 5 conflicts with the layer's NumChannels = 6"):
        tconv1d.transposed_conv1d_layer(3, 2, NumChannels=6).initialize(num_channels=5)
    with pytest.raises(ValueError, match="num_channels"):
        tconv1d.transposed_conv1d_layer(3, 2).initialize(num_channels=0)


def test_initialize_rejects_a_channel_count_other_than_the_weights():  # R1, R5
    layer = tconv1d.transposed_conv1d_layer(3, 2, Weights=np.ones((3, 2, 4)))
    with pytest.raises(ValueError, match="num_channels = 5 conflicts with the layer's NumChannels = 4"):
        layer.initialize(num_channels=5)
    assert layer.bias is None  # nothing changed
    assert layer.initialize(num_channels=4).bias.shape == (1, 2)


def test_bias_is_filled_at_the_first_predict_when_weights_were_given():  # R5
    w = np.random.default_rng(5).standard_normal((3, 2, 4))
    layer = tconv1d.transposed_conv1d_layer(3, 2, Stride=2, Weights=w, BiasInitializer="ones")
    x = np.random.default_rng(6).standard_normal((4, 3, 5))  # CBT
    y = layer.predict(x)
    np.testing.assert_array_equal(layer.bias, [[1, 1]])
    np.testing.assert_array_equal(layer.weights, w)  # given, so not drawn again
    want = oracles.forward(x.transpose(1, 0, 2), w, np.ones(2), 2, 0)
    assert oracles.relative_error(y.transpose(1, 0, 2), want) < 1e-12


def test_initialize_auto_needs_num_channels():
    layer = tconv1d.transposed_conv1d_layer(3, 2)
    with pytest.raises(ValueError, match="NumChannels is 'auto'"):
        layer.initialize()
    assert layer.weights is None and layer.bias is None


def test_backward_needs_weights():
    layer = tconv1d.transposed_conv1d_layer(3, 2)
    with pytest.raises(ValueError, match="backward needs Weights"):
        layer.backward(np.ones((1, 1, 4), np.float32), np.ones((2, 1, 6), np.float32))


# --- R3 through the layer ---------------------------------------------------------------


@pytest.mark.parametrize("cropping", [0, [1, 2], "same"])
@pytest.mark.parametrize("stride", [1, 3])
def test_predict_equals_two_oracles(stride, cropping):
    layer = random_layer(filter_size=4, num_filters=3, channels=2, seed=stride, Stride=stride, Cropping=cropping)
    x_cbt = np.random.default_rng(1).standard_normal((2, 3, 5))
    y = layer.predict(x_cbt)  # default format CBT
    # The crop as the spec text resolves it (R2.2, R2.3), not as the package does.
    left, right, extension = oracles.resolve_crop(5, 4, stride, cropping)
    out_length = (5 - 1) * stride + 4 - left - right + extension
    loops = loop_forward(x_cbt.transpose(1, 0, 2), layer.weights, layer.bias, stride, left, out_length)
    np.testing.assert_allclose(y.transpose(1, 0, 2), loops, rtol=1e-12, atol=1e-12)
    scatter = oracles.forward(x_cbt.transpose(1, 0, 2), layer.weights, layer.bias.ravel(), stride, cropping)
    assert oracles.relative_error(y.transpose(1, 0, 2), scatter) < 1e-12


@settings(max_examples=40, deadline=None)
@given(
    filter_size=st.integers(1, 6),
    stride=st.integers(1, 4),
    channels=st.integers(1, 3),
    num_filters=st.integers(1, 3),
    batch=st.integers(1, 2),
    length=st.integers(1, 5),
    cropping=st.one_of(st.just("same"), st.tuples(st.integers(0, 3), st.integers(0, 3))),
    seed=st.integers(0, 2**32 - 1),
)
def test_predict_matches_the_loop_oracle_on_random_shapes(
    filter_size, stride, channels, num_filters, batch, length, cropping, seed
):
    crop = cropping if cropping == "same" else list(cropping)
    if crop != "same" and (length - 1) * stride + filter_size - sum(crop) < 1:
        crop = 0  # R2.2 would reject it; that error is tested elsewhere
    layer = random_layer(filter_size, num_filters, channels, seed=seed, Stride=stride, Cropping=crop)
    x = np.random.default_rng(seed).standard_normal((channels, batch, length))
    y = layer.predict(x)
    # R2.3 written out: crop total F - S, the odd element on the right; nothing when F < S.
    left = max(filter_size - stride, 0) // 2 if crop == "same" else (crop if crop == 0 else crop[0])
    assert layer.cropping_size[0] == left
    oracle = loop_forward(x.transpose(1, 0, 2), layer.weights, layer.bias, stride, left, y.shape[2])
    np.testing.assert_allclose(y.transpose(1, 0, 2), oracle, rtol=1e-12, atol=1e-12)
    if crop == "same":
        assert y.shape[2] == length * stride


@pytest.mark.parametrize("fmt", ["CBT", "BCT", "SCB", "CT", "SC", "SCBT"])
def test_predict_formats(fmt):  # R4.1, R4.2
    layer = random_layer(filter_size=3, num_filters=2, channels=3, Stride=2)
    sizes = {"C": 3, "B": 2, "T": 4, "S": 5}
    x = np.random.default_rng(2).standard_normal([sizes[label] for label in fmt])
    y = layer.predict(x, fmt=fmt)
    want = oracles.forward(oracles.to_ncl(x, fmt), layer.weights, layer.bias.ravel(), 2, 0)
    assert y.shape == oracles.from_ncl(want, fmt, x.shape).shape
    assert oracles.relative_error(oracles.to_ncl(y, fmt), want) < 1e-12
    assert y.shape[fmt.index("C")] == 2


def test_predict_does_not_modify_read_only_or_reversed_inputs():  # R7.1, R7.2
    layer = random_layer(channels=2)
    base = np.random.default_rng(3).standard_normal((2, 3, 10))
    x = base[:, :, ::-2]
    x.flags.writeable = False
    before = x.copy()
    y = layer.predict(x)
    np.testing.assert_array_equal(x, before)
    np.testing.assert_array_equal(y, layer.predict(np.ascontiguousarray(x)))


@pytest.mark.parametrize("cropping", [0, "same"])
def test_backward_shapes_and_values(cropping):  # R3.3
    layer = random_layer(filter_size=5, num_filters=3, channels=2, Stride=2, Cropping=cropping)
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 4, 6))
    dy = rng.standard_normal(layer.predict(x).shape)
    dx, dw, db = layer.backward(x, dy)
    assert dx.shape == x.shape and dw.shape == layer.weights.shape and db.shape == layer.bias.shape == (1, 3)
    # The scatter-form oracle on (N, C, L) data (the layer's default format is CBT).
    ref_dx, ref_dw, _ = oracles.backward(x.transpose(1, 0, 2), layer.weights, dy.transpose(1, 0, 2), 2, cropping)
    assert oracles.relative_error(dx.transpose(1, 0, 2), ref_dx) < 1e-12
    assert oracles.relative_error(dw, ref_dw) < 1e-12
    np.testing.assert_allclose(db.ravel(), dy.sum(axis=(1, 2)), rtol=1e-12)
    # The adjoint identity ties dx to the forward pass without the bias.
    zero_bias = copy.deepcopy(layer)
    zero_bias.bias = np.zeros((1, 3))
    assert np.vdot(zero_bias.predict(x), dy) == pytest.approx(np.vdot(x, dx), rel=1e-12)


def test_backward_resolves_same_cropping_size():
    layer = random_layer(filter_size=5, num_filters=3, channels=2, Stride=2, Cropping="same")
    layer.backward(np.ones((2, 1, 4)), np.ones((3, 1, 8)))
    assert layer.cropping_size == [1, 2]


def test_backward_checks_dy_shape():
    layer = random_layer(channels=2)
    with pytest.raises(ValueError, match="dy"):
        layer.backward(np.ones((2, 1, 4)), np.ones((4, 1, 5)))


# --- R6: factors ------------------------------------------------------------------------


FACTORS = ["weight_learn_rate_factor", "bias_learn_rate_factor", "weight_l2_factor", "bias_l2_factor"]
VENDOR = {
    "weight_learn_rate_factor": "WeightLearnRateFactor",
    "bias_learn_rate_factor": "BiasLearnRateFactor",
    "weight_l2_factor": "WeightL2Factor",
    "bias_l2_factor": "BiasL2Factor",
}


@pytest.mark.parametrize("factor", FACTORS)
def test_factors_are_settable_nonnegative_scalars(factor):  # R6.3
    layer = tconv1d.transposed_conv1d_layer(3, 2)
    for value, expected in [(0, 0.0), (2, 2.0), (np.float32(0.5), 0.5), (np.int8(3), 3.0), (np.array(1.5), 1.5)]:
        setattr(layer, factor, value)
        assert getattr(layer, factor) == expected
    for bad in (-1, -0.5, float("nan"), float("inf"), True):
        with pytest.raises(ValueError, match=VENDOR[factor]):
            setattr(layer, factor, bad)
        with pytest.raises(ValueError, match=VENDOR[factor]):
            tconv1d.transposed_conv1d_layer(3, 2, **{factor: bad})
    for bad in ("1", None, [1.0]):
        with pytest.raises(TypeError, match=VENDOR[factor]):
            setattr(layer, factor, bad)
    assert getattr(layer, factor) == 1.5  # unchanged by the rejected values


def test_effective_learning_rates():  # R6.1
    layer = tconv1d.transposed_conv1d_layer(3, 2, WeightLearnRateFactor=2, BiasLearnRateFactor=0)
    assert layer.learn_rates(0.01) == (pytest.approx(0.02), 0.0)  # factor 0 freezes the bias
    assert tconv1d.transposed_conv1d_layer(3, 2).learn_rates(0.1) == (0.1, 0.1)
    with pytest.raises(ValueError, match="global_lr"):
        layer.learn_rates(-1)


def test_l2_terms():  # R6.2
    layer = tconv1d.transposed_conv1d_layer(
        3, 2, Weights=np.full((3, 2, 1), 2.0), Bias=np.array([[1.0, -3.0]]), WeightL2Factor=0.5, BiasL2Factor=4
    )
    dw_l2, db_l2 = layer.l2_gradients(0.1)
    np.testing.assert_allclose(dw_l2, np.full((3, 2, 1), 0.1))
    np.testing.assert_allclose(db_l2, [[0.4, -1.2]])
    default = tconv1d.transposed_conv1d_layer(3, 2).initialize(num_channels=1, seed=0, dtype="single")
    dw_l2, db_l2 = default.l2_gradients(1e-4)
    assert dw_l2.dtype == np.float32
    np.testing.assert_allclose(dw_l2, 1e-4 * default.weights, rtol=1e-6)
    assert np.all(db_l2 == 0)  # BiasL2Factor defaults to 0
    with pytest.raises(ValueError, match="global_l2"):
        layer.l2_gradients(float("nan"))
    with pytest.raises(ValueError, match="initialize"):
        tconv1d.transposed_conv1d_layer(3, 2).l2_gradients(0.1)


# --- the object ---------------------------------------------------------------------------


def test_properties_method_lists_every_property():
    layer = random_layer()
    props = layer.properties()
    assert list(props) == [
        "name", "filter_size", "num_channels", "num_filters", "stride", "cropping_mode", "cropping_size",
        "weights", "bias", "weights_initializer", "bias_initializer", "weight_learn_rate_factor",
        "bias_learn_rate_factor", "weight_l2_factor", "bias_l2_factor",
    ]  # fmt: skip
    for key, value in props.items():
        if isinstance(value, np.ndarray):
            assert value is getattr(layer, key)
        else:
            assert value == getattr(layer, key)


def test_copy_and_pickle():
    layer = random_layer(Name="a", Cropping="same")
    for other in (copy.deepcopy(layer), pickle.loads(pickle.dumps(layer))):
        assert other.name == "a" and other.cropping_mode == "same"
        np.testing.assert_array_equal(other.weights, layer.weights)
        other.weights = None
        assert layer.weights is not None
