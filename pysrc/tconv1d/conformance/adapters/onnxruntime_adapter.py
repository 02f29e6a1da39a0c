"""ONNX Runtime's ``ConvTranspose`` behind the adapter protocol (forward only).

The model is built with the ``onnx`` helper API for each call. SPEC R3.2: the
ONNX weight is ``w[c, k, f] = W[f, k, c]`` and the crop ``[l r]`` is
``pads=[l, r]``; ``'same'`` is resolved by R2.3, and for ``F < S`` the
bias-only positions are ONNX's own ``output_padding = [S - F]``.

ONNX Runtime takes (N, C, L) only: ``BCT`` and ``CT`` run, other formats are
*not implemented*; so are float64 (its CPU ConvTranspose is float32 only),
gradients, the output length and the layer.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from .peer_cropping import resolve_cropping

try:
    import onnx
    import onnxruntime
    from onnx import TensorProto, helper
except ImportError as error:
    UNAVAILABLE: str | None = f"onnx and onnxruntime are not both importable ({error})"
else:
    UNAVAILABLE = None

NAME = "onnxruntime"

# The functions take whatever a case passes, deliberately wrong arguments
# included, so their parameters are Any; results are NumPy arrays.

_ELEMENT_TYPES = {np.dtype(np.float32): "FLOAT"}


def _session(
    element_type: str, filter_size: int, stride: int, pads: tuple[int, int], output_padding: int, with_bias: bool
) -> Any:
    elem = getattr(TensorProto, element_type)
    inputs = [
        helper.make_tensor_value_info("X", elem, ["N", "C", "L"]),
        helper.make_tensor_value_info("W", elem, ["C", "K", filter_size]),
    ]
    names = ["X", "W"]
    if with_bias:
        inputs.append(helper.make_tensor_value_info("B", elem, ["K"]))
        names.append("B")
    node = helper.make_node(
        "ConvTranspose",
        names,
        ["Y"],
        kernel_shape=[filter_size],
        strides=[stride],
        pads=list(pads),
        output_padding=[output_padding],
    )
    graph = helper.make_graph(
        [node], "transposed_conv1d", inputs, [helper.make_tensor_value_info("Y", elem, ["N", "K", "M"])]
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = min(model.ir_version, 8)
    onnx.checker.check_model(model)
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    return onnxruntime.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])


def transposed_conv1d(
    x: Any, weights: Any, bias: Any = None, stride: Any = 1, cropping: Any = 0, fmt: str = "BCT"
) -> npt.NDArray[Any]:
    x = np.asarray(x)
    fmt = fmt.upper()
    if fmt == "CT":
        unbatched: npt.NDArray[Any] = transposed_conv1d(x[None], weights, bias, stride, cropping, "BCT")[0]
        return unbatched
    if fmt != "BCT":
        raise NotImplementedError("formats other than BCT and CT (ONNX Runtime takes (N, C, L) only)")
    if x.dtype == np.float64:
        raise NotImplementedError("float64 (ONNX Runtime's CPU ConvTranspose has float32 kernels only)")
    # Other dtypes are fed as they are: ONNX Runtime's own rejection is what is judged.
    element_type = _ELEMENT_TYPES.get(x.dtype, "FLOAT")
    weights = np.asarray(weights).astype(x.dtype)
    filter_size = weights.shape[0]
    left, right, output_padding = resolve_cropping(filter_size, int(stride), cropping)
    session = _session(element_type, filter_size, int(stride), (left, right), output_padding, bias is not None)
    feeds = {"X": np.ascontiguousarray(x), "W": np.ascontiguousarray(weights.transpose(2, 1, 0))}
    if bias is not None:
        feeds["B"] = np.ascontiguousarray(np.asarray(bias).astype(x.dtype).reshape(-1))
    y: npt.NDArray[Any] = session.run(None, feeds)[0]
    return y
