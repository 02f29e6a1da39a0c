"""ONNX Runtime's ``ConvTranspose`` behind the adapter protocol (forward only).

The model is built with the ``onnx`` helper API for each call. SPEC R3.2: the
ONNX weight is ``w[c, k, f] = W[f, k, c]`` and the crop ``[l r]`` is
``pads=[l, r]``; ``'same'`` is ONNX's own ``auto_pad="SAME_UPPER"``, so that its
verdict is ONNX's (for F < S it drops the S - F bias-only positions R2.3 appends:
a real difference, conformance/README.md).

ONNX Runtime takes (N, C, L) only: ``BCT`` and ``CT`` run here, other formats
are permuted into (N, C, L) by the runner, and the output length is derived from
a forward pass (conformance/README.md). Float64 is *not implemented* (its CPU
ConvTranspose is float32 only), and so are gradients and the layer.
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
    element_type: str, filter_size: int, stride: int, pads: tuple[int, int] | None, output_padding: int, with_bias: bool
) -> Any:
    """A session running one ConvTranspose; ``pads=None`` is ONNX's own 'same' (auto_pad SAME_UPPER)."""
    elem = getattr(TensorProto, element_type)
    inputs = [
        helper.make_tensor_value_info("X", elem, ["N", "C", "L"]),
        helper.make_tensor_value_info("W", elem, ["C", "K", filter_size]),
    ]
    names = ["X", "W"]
    if with_bias:
        inputs.append(helper.make_tensor_value_info("B", elem, ["K"]))
        names.append("B")
    padding: dict[str, Any] = (
        {"auto_pad": "SAME_UPPER"} if pads is None else {"pads": list(pads), "output_padding": [output_padding]}
    )
    node = helper.make_node("ConvTranspose", names, ["Y"], kernel_shape=[filter_size], strides=[stride], **padding)
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
    if isinstance(cropping, str) and cropping.lower() == "same":
        session = _session(element_type, filter_size, stride, None, 0, bias is not None)
    else:
        left, right, output_padding = resolve_cropping(filter_size, stride, cropping)
        session = _session(element_type, filter_size, stride, (left, right), output_padding, bias is not None)
    feeds = {"X": np.ascontiguousarray(x), "W": np.ascontiguousarray(weights.transpose(2, 1, 0))}
    if bias is not None:
        feeds["B"] = np.ascontiguousarray(np.asarray(bias).astype(x.dtype).reshape(-1))
    y: npt.NDArray[Any] = session.run(None, feeds)[0]
    return y
