"""tconv1d inside PyTorch (SPEC R12): the autograd function passes gradcheck in
float64 for every cropping kind, equals torch.nn.functional.conv_transpose1d
wherever PyTorch can express the cropping, runs as one op under torch.compile
(fullgraph), and the module converts from and to nn.ConvTranspose1d. Skipped
without PyTorch; ``import tconv1d`` never imports it."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="PyTorch is an optional peer")
tt = pytest.importorskip("tconv1d.torch")
F = torch.nn.functional


def _tensors(seed, dtype=torch.float64, shape=(2, 3, 7), filters=4, filter_size=5):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(*shape, generator=gen, dtype=dtype, requires_grad=True)
    w = torch.randn(filter_size, filters, shape[1], generator=gen, dtype=dtype, requires_grad=True)
    b = torch.randn(filters, generator=gen, dtype=dtype, requires_grad=True)
    return x, w, b


@pytest.mark.parametrize(
    ("filter_size", "stride", "cropping"), [(5, 2, 0), (5, 3, [2, 1]), (5, 2, "same"), (2, 4, "same")]
)
def test_gradcheck_in_float64(filter_size, stride, cropping):
    x, w, b = _tensors(filter_size * stride, filter_size=filter_size)
    assert torch.autograd.gradcheck(lambda x, w, b: tt.transposed_conv1d(x, w, b, stride, cropping), (x, w, b))
    assert torch.autograd.gradcheck(lambda x, w: tt.transposed_conv1d(x, w, None, stride, cropping), (x, w))


@pytest.mark.parametrize(("padding", "output_padding", "stride"), [(0, 0, 1), (2, 0, 2), (2, 1, 3), (1, 1, 4)])
def test_values_equal_conv_transpose1d(padding, output_padding, stride):
    x, w, b = _tensors(stride)
    y = tt.transposed_conv1d(x, w, b, stride, [padding, padding - output_padding])
    want = F.conv_transpose1d(x, w.permute(2, 1, 0), b, stride=stride, padding=padding, output_padding=output_padding)
    assert torch.allclose(y, want, rtol=1e-12, atol=1e-12)
    y.sum().backward()
    grads = [t.grad.clone() for t in (x, w, b)]
    for t in (x, w, b):
        t.grad = None
    want.sum().backward()
    for got, t in zip(grads, (x, w, b)):
        assert torch.allclose(got, t.grad, rtol=1e-10, atol=1e-12)


def test_float32_cpu_tensors_and_a_strided_input():
    x, w, b = (t.detach().float() for t in _tensors(3))
    xs = x.transpose(1, 2).contiguous().transpose(1, 2)  # not contiguous
    y = tt.transposed_conv1d(xs, w, b, 2, "same")
    assert y.dtype == torch.float32 and y.shape == (2, 4, 14)
    assert torch.equal(y, tt.transposed_conv1d(x, w, b, 2, "same"))


def test_torch_compile_keeps_it_as_one_op():
    module = tt.TransposedConv1d(5, 4, 3, Stride=2, Cropping="same", seed=0)
    compiled = torch.compile(module, backend="aot_eager", fullgraph=True)
    x = torch.randn(2, 3, 7, requires_grad=True)
    y = compiled(x)
    assert torch.allclose(y, module(x))
    y.sum().backward()
    assert x.grad is not None and module.weight.grad is not None


def test_the_module_takes_the_layers_options_and_initializers():
    module = tt.TransposedConv1d(3, 2, NumChannels=4, WeightsInitializer="ones", BiasInitializer="ones", Stride=2)
    assert module.weight.shape == (3, 2, 4) and torch.equal(module.weight, torch.ones(3, 2, 4))
    assert torch.equal(module.bias, torch.ones(2)) and module.stride == 2
    a = tt.TransposedConv1d(3, 2, 4, seed=7, weights_initializer="he")
    b = tt.TransposedConv1d(3, 2, 4, seed=7, WeightsInitializer="he")
    assert torch.equal(a.weight, b.weight)
    assert tt.TransposedConv1d(3, 2, 4, dtype=torch.float64).weight.dtype == torch.float64
    with pytest.raises(ValueError, match="needs num_channels"):
        tt.TransposedConv1d(3, 2)
    with pytest.raises(TypeError, match="dtype must be"):
        tt.TransposedConv1d(3, 2, 4, dtype=torch.float16)
    with pytest.raises(TypeError, match=r"x must be a torch\.Tensor"):
        tt.transposed_conv1d(np.ones((1, 4, 3)), a.weight)
    with pytest.raises(ValueError, match="NumChannels"):
        a(torch.ones(1, 3, 5))


def test_conversion_from_and_to_conv_transpose1d():
    conv = torch.nn.ConvTranspose1d(3, 5, 4, stride=3, padding=2, output_padding=1)
    module = tt.TransposedConv1d.from_torch(conv)
    assert module.cropping == [2, 1] and module.stride == 3
    x = torch.randn(2, 3, 6)
    assert torch.allclose(module(x), conv(x), atol=1e-6)
    back = module.to_torch()
    assert torch.allclose(back(x), conv(x), atol=1e-6)
    assert torch.equal(back.weight, conv.weight) and torch.equal(back.bias, conv.bias)
    wide = tt.TransposedConv1d(2, 3, 3, Stride=4, Cropping="same", seed=1)  # FilterSize < Stride
    assert torch.allclose(wide.to_torch()(x), wide(x), atol=1e-6)


def test_what_pytorch_cannot_express_is_a_clear_error():
    for conv, match in (
        (torch.nn.ConvTranspose1d(4, 4, 3, groups=2), "groups"),
        (torch.nn.ConvTranspose1d(4, 4, 3, dilation=2), "dilation"),
        (torch.nn.ConvTranspose1d(4, 4, 3, stride=3, padding=0, output_padding=1), "exceeds its padding"),
    ):
        with pytest.raises(ValueError, match=match):
            tt.TransposedConv1d.from_torch(conv)
    with pytest.raises(ValueError, match=r"no nn\.ConvTranspose1d equivalent"):
        tt.TransposedConv1d(5, 2, 3, Stride=2, Cropping="same").to_torch()  # crop total 3: [1 2]
    with pytest.raises(ValueError, match=r"no nn\.ConvTranspose1d equivalent"):
        tt.TransposedConv1d(5, 2, 3, Cropping=[0, 2]).to_torch()


def test_import_tconv1d_never_imports_torch():
    code = "import sys, tconv1d; tconv1d.transposed_conv1d([[[1.0]]], [[[1.0]]]); print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert result.stdout.strip() == "False"
