"""Arrays from anywhere (SPEC R3.4, R7.4): dtypes are compared by value, so
arrays that went through pickle or multiprocessing, carry dtype metadata or come
from ctypes work; arrays in the other byte order, unaligned or with byte strides
that are not whole items are copied once and give the same result; the caller's
arrays are never modified."""

from __future__ import annotations

import ctypes
import multiprocessing
import pickle

import numpy as np
import pytest

import tconv1d

RNG = np.random.default_rng(7)
X = {dt: RNG.standard_normal((3, 4, 9)).astype(dt) for dt in (np.float32, np.float64)}
W = {dt: RNG.standard_normal((5, 2, 4)).astype(dt) for dt in (np.float32, np.float64)}
B = {dt: RNG.standard_normal(2).astype(dt) for dt in (np.float32, np.float64)}


def _results(x, w, b, dy=None):
    y = tconv1d.transposed_conv1d(x, w, b, stride=2, cropping=[1, 2])
    dy = np.ones_like(y) if dy is None else dy
    return (y, *tconv1d.transposed_conv1d_backward(x, w, dy, stride=2, cropping=[1, 2]))


def _assert_same(got, want):
    for g, e in zip(got, want):
        assert g.dtype == e.dtype and g.dtype.isnative
        np.testing.assert_array_equal(g, e)


def _unaligned(array):
    """A copy of ``array`` whose data starts one byte past an aligned address."""
    raw = np.zeros(array.nbytes + 1, np.uint8)
    view = np.frombuffer(raw.data, dtype=array.dtype, count=array.size, offset=1).reshape(array.shape)
    view[...] = array
    assert not view.flags.aligned
    return view


def _odd_byte_strides(array):
    """A copy of ``array`` laid out with one spare byte after every item: its byte
    strides are not whole items."""
    strides, step = [], array.itemsize + 1
    for size in reversed(array.shape):
        strides.insert(0, step)
        step *= size
    raw = np.zeros(step, np.uint8)
    view = np.ndarray(array.shape, array.dtype, raw.data, 0, tuple(strides))
    view[...] = array
    assert not view.flags.aligned
    return view


VARIANTS = {
    "pickled": lambda a: pickle.loads(pickle.dumps(a)),
    "metadata": lambda a: a.astype(np.dtype(a.dtype.str, metadata={"unit": "V"})),
    "big-endian": lambda a: a.astype(a.dtype.newbyteorder(">")),
    "unaligned": _unaligned,
    "odd-byte-strides": _odd_byte_strides,
    "reversed-big-endian": lambda a: np.flip(np.flip(a.astype(a.dtype.newbyteorder(">"))).copy()),
}


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_every_argument_in_every_variant_gives_the_plain_result(variant, dtype):
    make = VARIANTS[variant]
    x, w, b = X[dtype], W[dtype], B[dtype]
    want = _results(x, w, b)
    dy = np.linspace(-1, 1, want[0].size).reshape(want[0].shape).astype(dtype)
    want = _results(x, w, b, dy)
    originals = [make(a) for a in (x, w, b, dy)]
    kept = [a.copy() for a in originals]
    _assert_same(_results(*originals), want)
    for a, k in zip(originals, kept):  # inputs untouched, byte order and all
        assert a.dtype == k.dtype
        np.testing.assert_array_equal(a, k)


def test_ctypes_arrays():
    buffer = (ctypes.c_double * X[np.float64].size)(*X[np.float64].ravel())
    x = np.ctypeslib.as_array(buffer).reshape(X[np.float64].shape)
    _assert_same(_results(x, W[np.float64], B[np.float64]), _results(X[np.float64], W[np.float64], B[np.float64]))


def test_the_compiled_core_compares_dtypes_by_value():
    # Straight to the binding, past the Python checks: an unpickled dtype is
    # another object equal to float64 (it was refused as "float64, got float64").
    x = pickle.loads(pickle.dumps(X[np.float64]))
    w = pickle.loads(pickle.dumps(W[np.float64]))
    assert x.dtype == np.float64
    geometry = tconv1d.resolve_geometry(9, 5, 2, [1, 2])
    y = np.empty((3, 2, geometry.out_length))
    tconv1d._core.forward(x[None], w, None, geometry, y[None])
    np.testing.assert_array_equal(y, tconv1d.transposed_conv1d(X[np.float64], W[np.float64], stride=2, cropping=[1, 2]))
    with pytest.raises(TypeError, match="byte order"):
        tconv1d._core.forward(x.astype(">f8")[None], w, None, geometry, y[None])
    with pytest.raises(TypeError, match="bias: expected a NumPy array or None, got int"):
        tconv1d._core.forward(x[None], w, 3, geometry, y[None])  # was a segmentation fault


def _forward_in_worker(args):
    x, w = args
    return tconv1d.transposed_conv1d(x, w, stride=2)


def test_results_of_a_multiprocessing_pool():
    # Arrays cross process boundaries by pickle, both ways.
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        results = pool.map(_forward_in_worker, [(X[np.float32], W[np.float32])] * 2)
    for y in results:
        np.testing.assert_array_equal(y, tconv1d.transposed_conv1d(X[np.float32], W[np.float32], stride=2))
        dx, _dw, _db = tconv1d.transposed_conv1d_backward(X[np.float32], W[np.float32], y, stride=2)
        assert dx.shape == X[np.float32].shape


def test_an_unpickled_layer_predicts_and_trains():
    layer = tconv1d.transposed_conv1d_layer(5, 2, Stride=2, Cropping=[1, 2])
    layer.initialize(num_channels=4, seed=1, dtype=np.float64)
    x = X[np.float64].transpose(1, 0, 2)  # CBT
    want = layer.predict(x)
    clone = pickle.loads(pickle.dumps(layer))
    np.testing.assert_array_equal(clone.predict(x), want)
    _dx, dw, db = clone.backward(x, np.ones_like(want))
    assert dw.shape == (5, 2, 4) and db.shape == (1, 2)


def test_big_endian_parameters_of_a_layer_are_stored_native():
    layer = tconv1d.transposed_conv1d_layer(5, 2, Weights=W[np.float64].astype(">f8"), Bias=B[np.float64].astype(">f8"))
    assert layer.weights.dtype.isnative and layer.bias.dtype.isnative
    np.testing.assert_array_equal(layer.weights, W[np.float64])
