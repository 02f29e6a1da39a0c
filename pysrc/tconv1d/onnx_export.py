"""The layer as an ONNX model (SPEC R10): an inference runtime computes what ``predict`` does.

The model takes ``x`` and returns ``y`` in the given data format (SPEC R4), with
the batch axes and the input length left symbolic. Inside it is one
``ConvTranspose`` on a (batch, channel, position) view:

- the format's axes are permuted to that view (``Transpose``); formats without a
  batch axis gain one (``Unsqueeze``/``Squeeze``), SCBT's two batch axes become
  one (``Reshape``) and are restored after;
- the weights W[f, k, c] become ONNX's (C, K, F) initializer and the bias its
  ``B`` (left out when there is no bias);
- cropping is explicit ``pads`` [left, right], "same" resolved once (its crop
  does not depend on the input length, R2.3); "same" with FilterSize < Stride
  appends its S - F bias-only positions as ``output_padding`` (which ONNX fills
  with the bias alone).

float32 and float64 models are both valid ONNX; ONNX Runtime 1.32 runs
``ConvTranspose`` in float32 only (a float64 model runs in the onnx package's
reference evaluator). The ``onnx`` package is needed only here.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import numpy.typing as npt

from . import _core
from .aliases import CroppingLike, IntegerLike
from .arguments import as_cropping, as_integer
from .arrays import as_float_array
from .formats import parse_format
from .functional import as_bias, as_weights

#: The opset the models declare: ConvTranspose, Transpose, Reshape and
#: Unsqueeze/Squeeze with axes as inputs all exist in it.
OPSET = 17


def _onnx() -> Any:
    try:
        import onnx
    except ImportError:
        raise ImportError("exporting to ONNX needs the onnx package: pip install onnx") from None
    return onnx


def _resolved_crop(filter_size: int, stride: int, cropping: CroppingLike) -> tuple[int, int, int]:
    """(left, right, extension) for every input length: R2.3's "same" crop depends on
    FilterSize and Stride alone; a manual crop is as given."""
    crop = as_cropping(cropping)
    if not crop.same:
        return crop.left, crop.right, 0
    g = _core.resolve_geometry(1, filter_size, stride, True, 0, 0)
    return int(g.crop_left), int(g.crop_right), int(g.extension)


def transposed_conv1d_to_onnx(
    path: str | os.PathLike[str] | None,
    weights: npt.ArrayLike,
    bias: npt.ArrayLike | None = None,
    stride: IntegerLike = 1,
    cropping: CroppingLike = 0,
    fmt: str = "BCT",
) -> Any:
    """An ONNX model of ``transposed_conv1d(x, weights, bias, stride, cropping, fmt)``.

    The model's dtype is the weights' (float32 or float64); it is written to
    ``path`` when given and returned as an ``onnx.ModelProto``. Its input ``x``
    and output ``y`` have the format ``fmt`` (any of R4's, labels in any order).
    """
    onnx = _onnx()
    helper, numpy_helper = onnx.helper, onnx.numpy_helper
    w = as_float_array(weights, "weights")
    w = as_weights(w, w.dtype)
    filter_size, num_filters, channels = (int(n) for n in w.shape)
    b = as_bias(bias, num_filters, w.dtype)
    stride_ = as_integer(stride, "stride")
    left, right, extension = _resolved_crop(filter_size, stride_, cropping)
    if not isinstance(fmt, str):
        raise TypeError(f"fmt must be a format string such as 'BCT', got {type(fmt).__name__}")
    fmt_ = parse_format(fmt, len(fmt))
    elem = onnx.TensorProto.FLOAT if w.dtype == np.float32 else onnx.TensorProto.DOUBLE

    nodes: list[Any] = []
    initializers = [numpy_helper.from_array(np.ascontiguousarray(w.transpose(2, 1, 0)), "W")]
    conv_inputs = ["xv", "W"]
    if b is not None:
        initializers.append(numpy_helper.from_array(np.ascontiguousarray(b), "B"))
        conv_inputs.append("B")

    # x in its format -> (batch..., C, L)
    order = (*fmt_.batch_axes, fmt_.channel_axis, fmt_.spatial_axis)
    nodes.append(helper.make_node("Transpose", ["x"], ["xt"], perm=list(order)))
    batch_count = len(fmt_.batch_axes)
    if batch_count == 0:
        initializers.append(numpy_helper.from_array(np.array([0], np.int64), "axis0"))
        nodes.append(helper.make_node("Unsqueeze", ["xt", "axis0"], ["xv"]))
    elif batch_count == 2:
        # (B1, B2, C, L) -> (B1*B2, C, L), and back after the convolution.
        for name, value in (("minus_one", -1), ("at0", 0), ("at2", 2), ("at4", 4)):
            initializers.append(numpy_helper.from_array(np.array([value], np.int64), name))
        nodes += [
            helper.make_node("Shape", ["xt"], ["xt_shape"]),
            helper.make_node("Slice", ["xt_shape", "at0", "at2"], ["batch_dims"]),
            helper.make_node("Slice", ["xt_shape", "at2", "at4"], ["channel_and_length"]),
            helper.make_node("Concat", ["minus_one", "channel_and_length"], ["flat_shape"], axis=0),
            helper.make_node("Reshape", ["xt", "flat_shape"], ["xv"]),
        ]
    else:
        nodes.append(helper.make_node("Identity", ["xt"], ["xv"]))

    conv_attributes: dict[str, Any] = {"strides": [stride_], "pads": [left, right], "kernel_shape": [filter_size]}
    if extension:
        conv_attributes["output_padding"] = [extension]
    nodes.append(helper.make_node("ConvTranspose", conv_inputs, ["yv"], **conv_attributes))

    # (batch..., K, Lout) -> y in the format's own axis order
    if batch_count == 0:
        nodes.append(helper.make_node("Squeeze", ["yv", "axis0"], ["yt"]))
    elif batch_count == 2:
        initializers.append(numpy_helper.from_array(np.array([num_filters, -1], np.int64), "filters_and_length"))
        nodes += [
            helper.make_node("Concat", ["batch_dims", "filters_and_length"], ["unflat_shape"], axis=0),
            helper.make_node("Reshape", ["yv", "unflat_shape"], ["yt"]),
        ]
    else:
        nodes.append(helper.make_node("Identity", ["yv"], ["yt"]))
    inverse = [order.index(axis) for axis in range(len(order))]
    nodes.append(helper.make_node("Transpose", ["yt"], ["y"], perm=inverse))

    labels = fmt_.labels
    in_dims: list[Any] = [channels if a == fmt_.channel_axis else labels[a] for a in range(len(labels))]
    in_dims[fmt_.spatial_axis] = "L"
    out_dims: list[Any] = list(in_dims)
    out_dims[fmt_.channel_axis] = num_filters
    out_dims[fmt_.spatial_axis] = "Lout"
    graph = helper.make_graph(
        nodes,
        "transposed_conv1d",
        [helper.make_tensor_value_info("x", elem, in_dims)],
        [helper.make_tensor_value_info("y", elem, out_dims)],
        initializers,
        doc_string=(
            f"tconv1d {_core.version()}: transposed convolution, FilterSize {filter_size}, NumFilters "
            f"{num_filters}, NumChannels {channels}, Stride {stride_}, crop [{left} {right}]"
            + (f" + {extension} bias-only positions" if extension else "")
            + f", format {labels}"
        ),
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="tconv1d")
    model.producer_version = _core.version()
    onnx.checker.check_model(model)
    if path is not None:
        onnx.save(model, os.fspath(path))
    return model
