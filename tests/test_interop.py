"""Arrays of other libraries (SPEC R7.7): a host array that speaks DLPack, the
buffer protocol or ``__array__`` is read without a copy where its layout allows,
and the results come back in the type of the data argument — torch in, torch
out; an array-API array in, its namespace's array out; NumPy otherwise. What
cannot be read is a clear error naming the argument, and inputs are never
modified. Values are checked against the loop-nest oracle."""

from __future__ import annotations

import importlib.util

import numpy as np
import oracles
import pytest

import tconv1d
from tconv1d import interop

RNG = np.random.default_rng(7)
X = RNG.standard_normal((2, 3, 9)).astype(np.float32)
W = RNG.standard_normal((4, 5, 3)).astype(np.float32)
B = RNG.standard_normal(5).astype(np.float32)


class DLPackOnly:
    """An array that offers nothing but DLPack (no __array__, no buffer)."""

    def __init__(self, array, device=(1, 0)):
        self._array = array
        self._device = device

    def __dlpack__(self, **kwargs):
        return self._array.__dlpack__(**kwargs)

    def __dlpack_device__(self):
        return self._device


def test_an_object_with_only_dlpack_is_read_and_numpy_comes_out():
    y = tconv1d.transposed_conv1d(DLPackOnly(X), DLPackOnly(W), DLPackOnly(B), 2, "same")
    assert type(y) is np.ndarray
    assert oracles.relative_error(y, oracles.forward(X, W, B, 2, "same")) < 1e-5
    assert np.shares_memory(interop.to_host(DLPackOnly(X), "x"), X)  # zero-copy


def test_a_device_the_cpu_cannot_read_is_an_error_naming_the_argument():
    with pytest.raises(ValueError, match=r"weights is on a Metal device"):
        tconv1d.transposed_conv1d(X, DLPackOnly(W, device=(8, 0)))


def test_a_cuda_array_without_cupy_names_the_argument():
    if importlib.util.find_spec("cupy") is not None:
        pytest.skip("CuPy is installed: the GPU path takes CUDA arrays")
    with pytest.raises(RuntimeError, match=r"dy is on a CUDA device.*needs CuPy"):
        tconv1d.transposed_conv1d_backward(X, W, DLPackOnly(np.ones((2, 5, 18), np.float32), device=(2, 0)), 2, "same")


# ------------------------------------------------------------------- PyTorch


@pytest.fixture
def torch_module():
    return pytest.importorskip("torch", reason="PyTorch is an optional peer (README, Two commands)")


def test_torch_in_torch_out_forward_and_backward(torch_module):
    x = torch_module.from_numpy(X.copy()).transpose(1, 2).contiguous().transpose(1, 2)  # strided view
    w = torch_module.from_numpy(W.copy())
    before = x.clone()
    y = tconv1d.transposed_conv1d(x, w, torch_module.from_numpy(B), 2, "same")
    assert isinstance(y, torch_module.Tensor) and y.dtype == torch_module.float32
    assert oracles.relative_error(y.numpy(), oracles.forward(X, W, B, 2, "same")) < 1e-5
    dy = torch_module.ones_like(y, dtype=torch_module.float64)
    dx, dw, db = tconv1d.transposed_conv1d_backward(x.double(), w, dy, 2, "same")
    assert all(isinstance(g, torch_module.Tensor) and g.dtype == torch_module.float64 for g in (dx, dw, db))
    for got, want in zip((dx, dw, db), oracles.backward(X, W, np.ones(y.shape), 2, "same")):
        assert oracles.relative_error(got.numpy(), want) < 1e-5
    assert torch_module.equal(x, before)  # inputs never modified
    assert np.shares_memory(interop.to_host(x, "x"), x.numpy())  # read in place


def test_torch_through_the_layer(torch_module):
    layer = tconv1d.transposed_conv1d_layer(4, 5, Stride=2).initialize(num_channels=3, seed=1)
    x = torch_module.from_numpy(X.transpose(1, 0, 2).copy())  # CBT
    y = layer.predict(x)
    assert isinstance(y, torch_module.Tensor)
    assert np.array_equal(y.numpy(), layer.predict(x.numpy()))
    grads = layer.backward(x, torch_module.ones(tuple(y.shape)))
    assert all(isinstance(g, torch_module.Tensor) for g in grads)
    assert tuple(grads[2].shape) == (1, 5)


def test_torch_tensors_tconv1d_cannot_read_are_clear_errors(torch_module):
    x = torch_module.from_numpy(X.copy())
    with pytest.raises(TypeError, match=r"x is a torch tensor that requires grad.*x\.detach\(\)"):
        tconv1d.transposed_conv1d(x.clone().requires_grad_(), W)
    with pytest.raises(TypeError, match=r"weights is a torch tensor that requires grad"):
        tconv1d.transposed_conv1d(x, torch_module.from_numpy(W).requires_grad_())
    for dtype in (torch_module.bfloat16, torch_module.float16):
        with pytest.raises(TypeError, match=r"x must be float32 or float64 .* got (bfloat16|float16)"):
            tconv1d.transposed_conv1d(x.to(dtype), W)
    with pytest.raises(ValueError, match=r"dy is on the torch device meta"):
        tconv1d.transposed_conv1d_backward(x, W, torch_module.ones((2, 5, 12), device="meta"))


# ------------------------------------------------------------ array-API arrays


def test_array_api_strict_in_and_out():
    xp = pytest.importorskip("array_api_strict", reason="array-api-strict is a test dependency")
    x = xp.asarray(X)
    y = tconv1d.transposed_conv1d(x, W, B, 2, "same")
    assert type(y) is type(x) and y.dtype == xp.float32
    assert oracles.relative_error(np.from_dlpack(y), oracles.forward(X, W, B, 2, "same")) < 1e-5
    with pytest.raises(TypeError, match=r"x must be float32 or float64"):
        tconv1d.transposed_conv1d(xp.asarray(X, dtype=xp.int32), W)


def test_jax_in_and_out():
    jnp = pytest.importorskip("jax.numpy", reason="JAX is optional (installed where it installs)")
    x = jnp.asarray(X)
    y = tconv1d.transposed_conv1d(x, W, B, 2, "same")
    assert type(y).__module__.startswith("jax")
    assert oracles.relative_error(np.asarray(y), oracles.forward(X, W, B, 2, "same")) < 1e-5
