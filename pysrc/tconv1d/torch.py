"""tconv1d inside PyTorch (SPEC R12): an autograd function and an ``nn.Module``.

``transposed_conv1d(x, weights, bias=None, stride=1, cropping=0)`` takes torch
tensors — ``x`` (N, C, L), ``weights`` in the layer's FilterSize × NumFilters ×
NumChannels layout, ``bias`` (NumFilters,) — and returns (N, NumFilters, Lout).
The forward pass and all three gradients are tconv1d's own passes; CPU tensors
are read without a copy, CUDA tensors go through tconv1d's GPU path (CuPy). It
is registered as the ``torch.library`` custom ops ``tconv1d::transposed_conv1d``
and ``tconv1d::transposed_conv1d_backward``, so ``torch.compile`` keeps it as
one op. ``TransposedConv1d`` is the layer as a module, with the layer's
options and initializers (vendor spelling too), convertible from and to
``nn.ConvTranspose1d``.

Importing this module imports torch; ``import tconv1d`` never does.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np
import torch
from torch import Tensor, nn

from . import functional
from .aliases import CroppingLike, IntegerLike
from .arguments import Cropping, as_cropping, as_integer
from .layer import transposed_conv1d_layer

__all__ = ["TransposedConv1d", "transposed_conv1d"]


def _cropping(same: bool, left: int, right: int) -> Any:
    return "same" if same else [left, right]


@torch.library.custom_op("tconv1d::transposed_conv1d", mutates_args=())
def _forward_op(
    x: Tensor, weights: Tensor, bias: Optional[Tensor], stride: int, same: bool, left: int, right: int
) -> Tensor:
    # Below autograd: the tensors are read as they are, without a graph.
    b = None if bias is None else bias.detach()
    # A torch tensor: results come back in x's type (interop.py).
    return functional.transposed_conv1d(
        x.detach(), weights.detach(), b, stride=stride, cropping=_cropping(same, left, right), fmt="BCT"
    )


@_forward_op.register_fake
def _forward_fake(
    x: Tensor, weights: Tensor, bias: Optional[Tensor], stride: int, same: bool, left: int, right: int
) -> Tensor:
    # Shapes only (also symbolic ones under torch.compile): SPEC R2.
    batch, _, length = x.shape
    filter_size, num_filters, _ = weights.shape
    out = length * stride if same else (length - 1) * stride + filter_size - left - right
    return x.new_empty((batch, num_filters, out))


@torch.library.custom_op("tconv1d::transposed_conv1d_backward", mutates_args=())
def _backward_op(
    x: Tensor, weights: Tensor, dy: Tensor, stride: int, same: bool, left: int, right: int
) -> tuple[Tensor, Tensor, Tensor]:
    dx, dw, db = functional.transposed_conv1d_backward(
        x.detach(), weights.detach(), dy.detach(), stride=stride, cropping=_cropping(same, left, right), fmt="BCT"
    )
    # Gradients in the dtype of what they are gradients of (the computation is in x's).
    return dx, torch.as_tensor(dw).to(weights.dtype), db


@_backward_op.register_fake
def _backward_fake(
    x: Tensor, weights: Tensor, dy: Tensor, stride: int, same: bool, left: int, right: int
) -> tuple[Tensor, Tensor, Tensor]:
    return x.new_empty(x.shape), weights.new_empty(weights.shape), x.new_empty((weights.shape[1],))


def _setup_context(ctx: Any, inputs: tuple[Any, ...], output: Tensor) -> None:
    x, weights, bias, stride, same, left, right = inputs
    ctx.save_for_backward(x, weights)
    ctx.geometry = (stride, same, left, right)
    ctx.bias_dtype = None if bias is None else bias.dtype


def _backward(ctx: Any, dy: Tensor) -> tuple[Any, ...]:
    x, weights = ctx.saved_tensors
    dx, dw, db = _backward_op(x, weights, dy, *ctx.geometry)
    dbias = None if ctx.bias_dtype is None else db.to(ctx.bias_dtype)
    return dx, dw, dbias, None, None, None, None


_forward_op.register_autograd(_backward, setup_context=_setup_context)


def transposed_conv1d(
    x: Tensor, weights: Tensor, bias: Tensor | None = None, stride: IntegerLike = 1, cropping: CroppingLike = 0
) -> Tensor:
    """The forward pass (SPEC R3.1) on torch tensors, differentiable in x, weights and bias.

    ``x`` is (N, C, L); ``weights`` (FilterSize, NumFilters, NumChannels);
    ``bias`` (NumFilters,) or None; ``cropping`` as in :func:`tconv1d.transposed_conv1d`.
    """
    for name, value in (("x", x), ("weights", weights), ("bias", bias)):
        if value is not None and not isinstance(value, Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
    if x.dim() != 3:
        raise ValueError(f"x must be (N, C, L), got shape {tuple(x.shape)}")
    crop = as_cropping(cropping)
    return torch.ops.tconv1d.transposed_conv1d(
        x, weights, bias, as_integer(stride, "stride"), crop.same, crop.left, crop.right
    )


class TransposedConv1d(nn.Module):
    """The transposed convolution layer as a PyTorch module.

    ``TransposedConv1d(filter_size, num_filters, num_channels=..., **options)``
    takes the options of :func:`tconv1d.transposed_conv1d_layer` (snake_case or
    the vendor's spelling: ``Stride=4``, ``Cropping="same"``,
    ``WeightsInitializer="he"``, ...) and a ``seed`` for the initializers.
    ``weight`` is a parameter in the layer's (FilterSize, NumFilters,
    NumChannels) layout, ``bias`` (NumFilters,); inputs are (N, C, L).
    """

    def __init__(
        self,
        filter_size: IntegerLike,
        num_filters: IntegerLike,
        num_channels: IntegerLike | None = None,
        *,
        seed: Any = None,
        dtype: torch.dtype = torch.float32,
        **options: Any,
    ) -> None:
        super().__init__()
        vendor_channels = options.pop("NumChannels", None)
        channels = num_channels if num_channels is not None else vendor_channels
        if channels is None or isinstance(channels, str):
            raise ValueError(
                "TransposedConv1d needs num_channels (NumChannels) as an integer: a module has fixed sizes"
            )
        layer = transposed_conv1d_layer(filter_size, num_filters, **options)
        if dtype not in (torch.float32, torch.float64):
            raise TypeError(f"dtype must be torch.float32 or torch.float64, got {dtype}")
        if layer.weights is None or layer.bias is None:
            layer.initialize(num_channels=as_integer(channels, "num_channels"), seed=seed)
        assert layer.weights is not None and layer.bias is not None
        np_dtype = np.float32 if dtype == torch.float32 else np.float64
        self.weight = nn.Parameter(torch.from_numpy(np.array(layer.weights, dtype=np_dtype)))
        self.bias = nn.Parameter(torch.from_numpy(np.array(layer.bias, dtype=np_dtype).reshape(-1)))
        self.stride = layer.stride
        self._crop: Cropping = as_cropping(layer.cropping)
        self.layer = layer  # the options (names, factors) as the vendor's layer shows them

    @property
    def cropping(self) -> Any:
        """'same' or [left, right]."""
        return "same" if self._crop.same else [self._crop.left, self._crop.right]

    def forward(self, x: Tensor) -> Tensor:
        return transposed_conv1d(x, self.weight, self.bias, self.stride, self.cropping)

    def extra_repr(self) -> str:
        filter_size, num_filters, channels = self.weight.shape
        return (
            f"filter_size={filter_size}, num_filters={num_filters}, num_channels={channels}, "
            f"stride={self.stride}, cropping={self.cropping!r}"
        )

    # --- conversion from and to nn.ConvTranspose1d ----------------------------------------

    @classmethod
    def from_torch(cls, conv: nn.ConvTranspose1d) -> TransposedConv1d:
        """The same operation as ``conv`` (weights (C, K, F) → (F, K, C); bias copied).

        ``padding`` p and ``output_padding`` q become the cropping [p, p − q];
        groups, dilation and padding modes other than zeros have no equivalent (ValueError).
        """
        if not isinstance(conv, nn.ConvTranspose1d):
            raise TypeError(f"conv must be a torch.nn.ConvTranspose1d, got {type(conv).__name__}")
        for what, value, plain in (
            ("groups", conv.groups, 1),
            ("dilation", tuple(conv.dilation), (1,)),
            ("padding_mode", conv.padding_mode, "zeros"),
        ):
            if value != plain:
                raise ValueError(f"conv has {what}={value!r}; tconv1d's layer has no {what} (only {plain!r})")
        padding, output_padding = int(conv.padding[0]), int(conv.output_padding[0])
        if output_padding > padding:
            raise ValueError(
                f"conv's output_padding {output_padding} exceeds its padding {padding}: "
                "the output would extend past the full output, which a cropping cannot express"
            )
        in_channels, out_channels, filter_size = conv.weight.shape
        module = cls(
            filter_size,
            out_channels,
            in_channels,
            Stride=int(conv.stride[0]),
            Cropping=[padding, padding - output_padding],
            dtype=conv.weight.dtype,
        )
        with torch.no_grad():
            module.weight.copy_(conv.weight.detach().permute(2, 1, 0))
            if conv.bias is not None:
                module.bias.copy_(conv.bias.detach())
            else:
                module.bias.zero_()
        return module

    def to_torch(self) -> nn.ConvTranspose1d:
        """An ``nn.ConvTranspose1d`` computing the same (weights and bias copied).

        PyTorch crops ``padding`` on both sides and adds ``output_padding`` (< stride)
        on the right: a cropping [l, r] needs l ≥ r and l − r < stride; "same" with
        an odd crop total crops more on the right and has no equivalent (ValueError).
        """
        filter_size, num_filters, channels = (int(n) for n in self.weight.shape)
        if self._crop.same:  # its crop depends on FilterSize and Stride only (R2.3)
            geometry = functional.resolve_geometry(1, filter_size, self.stride, "same")
            left, right, extension = int(geometry.crop_left), int(geometry.crop_right), int(geometry.extension)
        else:
            left, right, extension = self._crop.left, self._crop.right, 0
        if extension:  # "same" with FilterSize < Stride: S − F bias-only positions on the right
            padding, output_padding = 0, extension
        else:
            padding, output_padding = left, left - right
        if output_padding < 0 or output_padding >= self.stride:
            raise ValueError(
                f"cropping [{left} {right}] with stride {self.stride} has no nn.ConvTranspose1d equivalent: "
                "PyTorch crops the same amount on both sides and can add fewer than stride elements on the right"
            )
        conv = nn.ConvTranspose1d(
            channels,
            num_filters,
            filter_size,
            stride=self.stride,
            padding=padding,
            output_padding=output_padding,
            dtype=self.weight.dtype,
        )
        with torch.no_grad():
            conv.weight.copy_(self.weight.detach().permute(2, 1, 0))
            assert conv.bias is not None
            conv.bias.copy_(self.bias.detach())
        return conv
