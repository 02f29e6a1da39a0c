"""``tconv1d bench --device gpu``: the GPU path against PyTorch/cuDNN on the same device.

Times the forward pass and the full backward (dx, dW, db) of each suite shape
with CUDA events (median of ``--repeat`` timed calls after warm-up), for this
package's kernels and for ``torch.nn.functional.conv_transpose1d`` (cuDNN) with
TF32 off (the like-for-like float32 comparison) and on. Ratios above 1 mean the
GPU path is faster. Shapes whose crop is asymmetric are timed in PyTorch with the
equivalent ``padding``/``output_padding`` (same sizes and cost).
"""

from __future__ import annotations

import argparse
import json
import statistics
from typing import Any, Callable

import numpy as np

from .. import _core

#: A shape of the suite, as its JSON spells it.
ShapeEntry = dict[str, Any]
#: CuPy and PyTorch ship no type information here.
Module = Any

#: The benchmark suite (B, C_in, C_out, F, S, L, cropping); FLOPs per pass = 2*B*L*C_in*C_out*F.
SUITE: list[ShapeEntry] = [
    {
        "name": "hifigan-up1",
        "batch": 8,
        "in_channels": 512,
        "num_filters": 256,
        "filter_size": 16,
        "stride": 8,
        "length": 128,
        "cropping": [4, 4],
    },
    {
        "name": "hifigan-up3",
        "batch": 8,
        "in_channels": 128,
        "num_filters": 64,
        "filter_size": 4,
        "stride": 2,
        "length": 2048,
        "cropping": [1, 1],
    },
    {
        "name": "doc-example",
        "batch": 16,
        "in_channels": 32,
        "num_filters": 96,
        "filter_size": 11,
        "stride": 4,
        "length": 256,
        "cropping": "same",
    },
    {
        "name": "ae-decoder",
        "batch": 32,
        "in_channels": 32,
        "num_filters": 16,
        "filter_size": 7,
        "stride": 2,
        "length": 512,
        "cropping": "same",
    },
    {
        "name": "stride1-wide",
        "batch": 4,
        "in_channels": 256,
        "num_filters": 256,
        "filter_size": 3,
        "stride": 1,
        "length": 1024,
        "cropping": [1, 1],
    },
    {
        "name": "tiny",
        "batch": 1,
        "in_channels": 8,
        "num_filters": 8,
        "filter_size": 3,
        "stride": 1,
        "length": 64,
        "cropping": 0,
    },
]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--shapes", default=None, help="JSON file with a 'shapes' list (default: the built-in suite)")
    parser.add_argument("--json", default=None, help="also write the results to this JSON file")
    parser.add_argument("--repeat", type=int, default=100, help="timed calls per measurement (median)")
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument("--tiles", action="store_true", help="also time each tile shape of the kernels")


def flops(shape: ShapeEntry) -> int:
    sizes = (shape[key] for key in ("batch", "length", "in_channels", "num_filters", "filter_size"))
    total = 2
    for size in sizes:
        total *= int(size)
    return total


def _median_ms(cupy: Module, fn: Callable[[], object], repeat: int) -> float:
    for _ in range(3):
        fn()
    cupy.cuda.Device().synchronize()
    times = []
    start, stop = cupy.cuda.Event(), cupy.cuda.Event()
    for _ in range(repeat):
        start.record()
        fn()
        stop.record()
        stop.synchronize()
        times.append(float(cupy.cuda.get_elapsed_time(start, stop)))
    return statistics.median(times)


def _back_to_back_ms(cupy: Module, fn: Callable[[], object], repeat: int) -> float:
    """Mean time per call with calls queued back to back: the device time when the host keeps up."""
    fn()
    cupy.cuda.Device().synchronize()
    start, stop = cupy.cuda.Event(), cupy.cuda.Event()
    start.record()
    for _ in range(repeat):
        fn()
    stop.record()
    stop.synchronize()
    return float(cupy.cuda.get_elapsed_time(start, stop)) / repeat


def _torch_functions(
    torch: Module, shape: ShapeEntry, x: Any, w: Any, b: Any, dy: Any, geometry: _core.Geometry
) -> tuple[Callable[[], Any], Callable[[], Any]] | None:
    """Forward and backward closures for PyTorch, or None where PyTorch has no equivalent."""
    left, right = geometry.crop_left, geometry.crop_right
    padding = max(left, right)
    extra = 2 * padding - left - right + geometry.extension
    if extra >= geometry.stride:
        return None
    xt = torch.as_tensor(x, device="cuda")
    wt = torch.as_tensor(w, device="cuda").permute(2, 1, 0).contiguous()  # w[c, k, f] = W[f, k, c]
    bt = torch.as_tensor(b, device="cuda")
    dyt = torch.as_tensor(dy, device="cuda")
    stride = geometry.stride

    def forward() -> Any:
        return torch.nn.functional.conv_transpose1d(xt, wt, bt, stride=stride, padding=padding, output_padding=extra)

    def backward() -> Any:
        return torch.ops.aten.convolution_backward(
            dyt, xt, wt, [wt.shape[1]], [stride], [padding], [1], True, [extra], 1, [True, True, True]
        )

    return forward, backward


def run(args: argparse.Namespace) -> int:
    from .. import resolve_geometry
    from . import available, module, passes, transposed_conv1d, transposed_conv1d_backward

    if not available():
        print("tconv1d bench --device gpu: no CUDA device (or CuPy is not installed)")
        return 1
    import cupy

    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None and not torch.cuda.is_available():
        torch = None

    shapes = SUITE
    if getattr(args, "shapes", None):
        with open(args.shapes) as handle:
            shapes = json.load(handle)["shapes"]
    repeat = getattr(args, "repeat", 100) or 100
    dtype = np.dtype(getattr(args, "dtype", "float32") or "float32")
    device = cupy.cuda.Device()
    name = cupy.cuda.runtime.getDeviceProperties(device.id)["name"].decode()
    print(f"device: {name}; dtype {dtype}; median of {repeat} calls (ms); ratio = cuDNN time / tconv1d time")
    rng = np.random.default_rng(0)
    results: list[dict[str, Any]] = []
    for shape in shapes:
        s, cropping = shape["stride"], shape["cropping"]
        x = rng.standard_normal((shape["batch"], shape["in_channels"], shape["length"])).astype(dtype)
        w = (rng.standard_normal((shape["filter_size"], shape["num_filters"], shape["in_channels"])) * 0.05).astype(
            dtype
        )
        b = rng.standard_normal((shape["num_filters"],)).astype(dtype)
        geometry = resolve_geometry(shape["length"], shape["filter_size"], s, cropping)
        dy = rng.standard_normal((shape["batch"], shape["num_filters"], geometry.out_length)).astype(dtype)
        xg, wg, bg, dyg = (cupy.asarray(a) for a in (x, w, b, dy))
        row: dict[str, Any] = {"name": shape["name"], "gflop_per_pass": flops(shape) / 1e9}
        row["ours_fwd"] = _median_ms(cupy, lambda: transposed_conv1d(xg, wg, bg, s, cropping), repeat)
        row["ours_bwd"] = _median_ms(cupy, lambda: transposed_conv1d_backward(xg, wg, dyg, s, cropping), repeat)
        row["queued_ours_fwd"] = _back_to_back_ms(cupy, lambda: transposed_conv1d(xg, wg, bg, s, cropping), repeat)
        row["queued_ours_bwd"] = _back_to_back_ms(
            cupy, lambda: transposed_conv1d_backward(xg, wg, dyg, s, cropping), repeat
        )
        if getattr(args, "tiles", False):
            for config in module.DTYPE_CONFIGS[str(dtype)]:
                passes.forced_config = config
                try:
                    row[f"fwd_{config}"] = _median_ms(cupy, lambda: transposed_conv1d(xg, wg, bg, s, cropping), repeat)
                    row[f"bwd_{config}"] = _median_ms(
                        cupy, lambda: transposed_conv1d_backward(xg, wg, dyg, s, cropping), repeat
                    )
                finally:
                    passes.forced_config = None
        fns = _torch_functions(torch, shape, x, w, b, dy, geometry) if torch is not None else None
        if fns is not None:
            forward, backward = fns
            if geometry.crop_left == geometry.crop_right and geometry.extension == 0:
                torch.backends.cudnn.allow_tf32 = False
                torch.backends.cuda.matmul.allow_tf32 = False
                ref = forward().cpu().numpy()
                got = transposed_conv1d(xg, wg, bg, s, cropping).get()
                row["max_rel_err_vs_torch"] = float(np.abs(got - ref).max() / max(np.abs(ref).max(), 1e-30))
            # TF32 only changes float32 work; for float64 the "tf32" columns would repeat fp32.
            for tf32 in (False, True) if np.dtype(dtype) == np.float32 else (False,):
                torch.backends.cudnn.allow_tf32 = tf32
                torch.backends.cuda.matmul.allow_tf32 = tf32
                tag = "tf32" if tf32 else "fp32"
                row[f"cudnn_{tag}_fwd"] = _median_ms(cupy, forward, repeat)
                row[f"cudnn_{tag}_bwd"] = _median_ms(cupy, backward, repeat)
                row[f"queued_cudnn_{tag}_fwd"] = _back_to_back_ms(cupy, forward, repeat)
                row[f"queued_cudnn_{tag}_bwd"] = _back_to_back_ms(cupy, backward, repeat)
            torch.backends.cudnn.allow_tf32 = False
            torch.backends.cuda.matmul.allow_tf32 = False
        results.append(row)

    header = (
        f"{'shape':14s} {'GFLOP':>6s} {'ours fwd':>9s} {'cuDNN fwd':>9s} {'ratio':>6s} {'tf32':>7s} {'ratio':>6s}"
        f" {'ours bwd':>9s} {'cuDNN bwd':>9s} {'ratio':>6s} {'tf32':>7s} {'ratio':>6s}"
    )
    print(header)
    for row in results:

        def cell(key: str) -> str:
            return f"{row[key]:9.4f}" if key in row else f"{'n/a':>9s}"

        def ratio(key: str, ours: str) -> str:
            return f"{row[key] / row[ours]:6.2f}" if key in row else f"{'':>6s}"

        print(
            f"{row['name']:14s} {row['gflop_per_pass']:6.3f} {cell('ours_fwd')} {cell('cudnn_fp32_fwd')} "
            f"{ratio('cudnn_fp32_fwd', 'ours_fwd')} {cell('cudnn_tf32_fwd')[2:]} {ratio('cudnn_tf32_fwd', 'ours_fwd')} "
            f"{cell('ours_bwd')} {cell('cudnn_fp32_bwd')} {ratio('cudnn_fp32_bwd', 'ours_bwd')} "
            f"{cell('cudnn_tf32_bwd')[2:]} {ratio('cudnn_tf32_bwd', 'ours_bwd')}"
        )
    print("queued back to back (mean ms per call; device time when the host keeps up):")
    print(
        f"{'shape':14s} {'ours fwd':>9s} {'cuDNN fwd':>9s} {'ratio':>6s} {'ours bwd':>9s} {'cuDNN bwd':>9s} {'ratio':>6s}"
    )
    for row in results:
        cells = []
        for p in ("fwd", "bwd"):
            ours, theirs = row[f"queued_ours_{p}"], row.get(f"queued_cudnn_fp32_{p}")
            cells.append(
                f"{ours:9.4f} " + (f"{theirs:9.4f} {theirs / ours:6.2f}" if theirs else f"{'n/a':>9s} {'':6s}")
            )
        print(f"{row['name']:14s} {cells[0]} {cells[1]}")
    if getattr(args, "tiles", False):
        for row in results:
            print(row["name"], {k: round(v, 4) for k, v in row.items() if k.startswith(("fwd_", "bwd_"))})
    for row in results:
        if "max_rel_err_vs_torch" in row:
            print(
                f"{row['name']}: forward max relative difference vs cuDNN ({dtype}, TF32 off) = {row['max_rel_err_vs_torch']:.2e}"
            )
    if getattr(args, "json", None):
        with open(args.json, "w") as handle:
            json.dump({"device": name, "dtype": str(dtype), "repeat": repeat, "results": results}, handle, indent=1)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tconv1d.cuda.bench", description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
