"""``tconv1d bench``: the benchmark suite, side by side with the peers.

tconv1d and whichever peers are installed (PyTorch ``conv_transpose1d``,
oneDNN underneath; ONNX Runtime ``ConvTranspose``, MLAS underneath) run in one
process, interleaved call by call, with the same thread count; each figure is
the median of ``--repeat`` timed calls after warm-up. FLOPs per pass are
``2*B*L*C_in*C_out*F``; forward+backward counts three passes (forward,
backward-data, backward-weights). The SGEMM peak (numpy float32 matmul of a
square matrix, on the run's thread count where threadpoolctl is installed) is
measured again just before each shape, so each row's "% peak" compares with
what this machine did in the same seconds (a shared VM's speed moves by 2x
over minutes; a peak measured once for the whole run made the figure follow
the machine rather than the code). ONNX Runtime is an inference engine: it
appears in the forward rows only.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import math
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Callable

import numpy as np
import numpy.typing as npt

from .bench_shape import Shape
from .cli_args import count, writable_file

PEERS = ("torch", "onnxruntime")
DTYPES = ("float32", "float64")


@dataclass
class Row:
    shape: str
    dtype: str
    pass_name: str  # "forward" or "forward+backward"
    flops: float
    ms: dict[str, float] = field(default_factory=dict)  # implementation -> median milliseconds
    sgemm_gflops: float = 0.0  # the SGEMM peak measured just before the shape


def _named_shapes(names: str) -> list[Shape]:
    """Built-in shapes by name, comma-separated."""
    suite = {shape.name: shape for shape in load_shapes(None)}
    wanted = [name.strip() for name in names.split(",") if name.strip()]
    unknown = [name for name in wanted if name not in suite]
    if unknown or not wanted:
        raise ValueError(
            f"--shapes: {names!r} is neither a readable suite file nor built-in shape names "
            f"(built in: {', '.join(suite)})"
        )
    return [suite[name] for name in wanted]


def sweep_shapes(count: int, seed: int) -> list[Shape]:
    """``count`` shapes drawn from the families of sweep.py."""
    from .sweep import draw

    return [Shape(name, *shape) for name, shape in draw(count, seed)]


_SHAPE_FIELDS = ("name", "batch", "in_channels", "num_filters", "filter_size", "stride", "length", "cropping")


def load_shapes(path: str | None) -> list[Shape]:
    """The shapes of a suite file, or of built-in names ("tiny,doc-example"); the
    packaged suite when None. ValueError saying what is wrong otherwise."""
    if path is None:
        text = resources.files("tconv1d").joinpath("bench_shapes.json").read_text()
        path = "the packaged suite"
    elif not path.endswith(".json") and not os.path.exists(path):
        return _named_shapes(path)
    else:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: not JSON ({error})") from None
    entries = document.get("shapes") if isinstance(document, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ValueError(f'{path}: expected an object with a non-empty list "shapes"')
    shapes = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or set(entry) != set(_SHAPE_FIELDS):
            raise ValueError(f"{path}: shape {index} must have exactly the fields {', '.join(_SHAPE_FIELDS)}")
        sizes = [entry[key] for key in _SHAPE_FIELDS[1:-1]]
        if not all(type(size) is int and size >= 1 for size in sizes):
            raise ValueError(f"{path}: shape {index} ({entry['name']!r}): sizes must be positive integers")
        shapes.append(Shape(**entry))
    return shapes


# The SGEMM peak: numpy's float32 matmul of 1536 x 1536 matrices, which runs
# at the rate of 2048 x 2048 (within 2%, medians of 12 alternated calls on the
# VM of docs/performance.md) in a third of the time, measured before each
# shape (median of SGEMM_CALLS). Not taking turns with the calls themselves:
# the BLAS's threads keep spinning for a while after a call, and whatever
# ran next lost its cores (a layer's call 6 ms alone, 9-23 ms within 0.1 s of
# an SGEMM); the shape's calls start SGEMM_REST seconds later.
SGEMM_SIZE, SGEMM_CALLS, SGEMM_REST = 1536, 3, 0.2


def blas_thread_limit(threads: int) -> tuple[int | None, Callable[[], contextlib.AbstractContextManager[Any]]]:
    """(threads, a context holding numpy's BLAS to them), or (None, a no-op
    context) where threadpoolctl is not installed or finds no BLAS.

    numpy's BLAS sizes its pool from the machine's cores, not from --threads:
    a 1-thread run on 2 cores read each row against both cores' SGEMM, half
    of what the row reaches. threadpoolctl (in the ``peers`` extra) sets the
    pool of whichever BLAS numpy loaded, and puts it back afterwards."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None, contextlib.nullcontext
    controller = ThreadpoolController().select(user_api="blas")
    if not controller.lib_controllers:
        return None, contextlib.nullcontext
    return threads, lambda: controller.limit(limits=threads)


class SgemmPeak:
    """numpy's float32 SGEMM GFLOP/s on ``threads`` threads, measured now
    (``measure``); ``threads`` is None where the BLAS keeps its own count
    (see ``blas_thread_limit``)."""

    def __init__(self, threads: int, n: int = SGEMM_SIZE) -> None:
        rng = np.random.default_rng(0)
        self.n = n
        self.a = rng.standard_normal((n, n), dtype=np.float32)
        self.b = rng.standard_normal((n, n), dtype=np.float32)
        self.threads, self._held = blas_thread_limit(threads)

    def measure(self) -> float:
        times = []
        with self._held():
            self.a @ self.b  # warm-up
            for _ in range(SGEMM_CALLS):
                start = time.perf_counter()
                self.a @ self.b
                times.append(time.perf_counter() - start)
        time.sleep(SGEMM_REST)
        return 2.0 * self.n**3 / statistics.median(times) / 1e9

    def describe(self) -> str:
        """How the reading was taken, for the report's header."""
        held = f"{self.threads} thread{'s' if self.threads != 1 else ''}" if self.threads else "the BLAS's own threads"
        return f"numpy float32, {self.n}^3, {held}, before each shape"


# ---------------------------------------------------------------- implementations


def _crops(shape: Shape) -> tuple[int, int, int]:
    """(left, right, extension) of the shape's cropping, from tconv1d's geometry."""
    import tconv1d

    g = tconv1d.resolve_geometry(shape.length, shape.filter_size, shape.stride, shape.cropping)
    return g.crop_left, g.crop_right, g.extension


Data = dict[str, npt.NDArray[np.floating]]
Call = Callable[[], object]


def tconv1d_calls(shape: Shape, data: Data) -> tuple[Call, Call]:
    import tconv1d

    x, w, b, dy = data["x"], data["w"], data["b"], data["dy"]
    s, crop = shape.stride, shape.cropping

    def forward() -> object:
        return tconv1d.transposed_conv1d(x, w, b, stride=s, cropping=crop, fmt="BCT")

    def forward_backward() -> object:
        tconv1d.transposed_conv1d(x, w, b, stride=s, cropping=crop, fmt="BCT")
        return tconv1d.transposed_conv1d_backward(x, w, dy, stride=s, cropping=crop, fmt="BCT")

    return forward, forward_backward


def torch_calls(shape: Shape, data: Data, threads: int) -> tuple[Call, Call]:
    import torch

    torch.set_num_threads(threads)
    left, right, extension = _crops(shape)
    # PyTorch pads symmetrically: pad by the smaller crop, slice the rest (a view);
    # the bias-only extension of "same" is PyTorch's output_padding.
    pad = min(left, right)
    cut_left, cut_right = left - pad, right - pad
    x = torch.from_numpy(data["x"])
    w = torch.from_numpy(np.ascontiguousarray(data["w"].transpose(2, 1, 0)))  # w[c,k,f] = W[f,k,c]
    b = torch.from_numpy(data["b"])
    dy = torch.from_numpy(data["dy"])
    kwargs = {"stride": shape.stride, "padding": pad, "output_padding": extension}

    def run(xx: Any, ww: Any, bb: Any) -> Any:  # torch tensors (torch is untyped here)
        y = torch.nn.functional.conv_transpose1d(xx, ww, bb, **kwargs)
        return y[..., cut_left : y.shape[-1] - cut_right]

    def forward() -> object:
        with torch.no_grad():
            return run(x, w, b)

    xg, wg, bg = (t.detach().clone().requires_grad_(True) for t in (x, w, b))

    def forward_backward() -> object:
        y = run(xg, wg, bg)
        y.backward(dy)
        return xg.grad, wg.grad, bg.grad

    return forward, forward_backward


def onnxruntime_call(shape: Shape, data: Data, threads: int) -> Call:
    import onnx
    import onnxruntime
    from onnx import TensorProto, helper, numpy_helper

    left, right, extension = _crops(shape)
    elem = TensorProto.FLOAT if data["x"].dtype == np.float32 else TensorProto.DOUBLE
    w = np.ascontiguousarray(data["w"].transpose(2, 1, 0))
    attrs = {"strides": [shape.stride], "pads": [left, right], "kernel_shape": [shape.filter_size]}
    if extension:
        attrs["output_padding"] = [extension]
    node = helper.make_node("ConvTranspose", ["x", "w", "b"], ["y"], **attrs)
    graph = helper.make_graph(
        [node],
        "tconv1d_bench",
        [helper.make_tensor_value_info("x", elem, list(data["x"].shape))],
        [helper.make_tensor_value_info("y", elem, None)],
        initializer=[numpy_helper.from_array(w, "w"), numpy_helper.from_array(data["b"], "b")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = min(model.ir_version, 9)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    # No busy-waiting between runs: ONNX Runtime's spinning pool would otherwise
    # take a core from whichever implementation runs next in the interleaving.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    session = onnxruntime.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    feed = {"x": data["x"]}
    del onnx
    return lambda: session.run(None, feed)


# ---------------------------------------------------------------- timing


def interleaved_medians(calls: dict[str, Call], repeat: int, warmup: int = 2) -> dict[str, float]:
    """Median milliseconds per call, the implementations taking turns.

    The rounds take the implementations' orders in turn, every permutation
    once per cycle, so that within a cycle each runs right after every other
    equally often: what a call finds in the caches depends on what ran just
    before it (a peer's call that leaves its own buffers there, or its
    threads still spinning), and a fixed order would give one implementation
    that neighbour every time.
    """
    for call in calls.values():
        for _ in range(warmup):
            call()
    orders = list(itertools.permutations(calls))
    times: dict[str, list[float]] = {name: [] for name in calls}
    for round_ in range(repeat):
        for name in orders[round_ % len(orders)]:
            start = time.perf_counter()
            calls[name]()
            times[name].append(time.perf_counter() - start)
    return {name: 1e3 * statistics.median(values) for name, values in times.items()}


def make_data(shape: Shape, dtype: str, seed: int = 0) -> Data:
    import tconv1d

    rng = np.random.default_rng(seed)
    out_len = tconv1d.output_length(shape.length, shape.filter_size, shape.stride, shape.cropping)

    def draw(*size: int) -> npt.NDArray[np.floating]:
        return rng.standard_normal(size).astype(dtype)

    return {
        "x": draw(shape.batch, shape.in_channels, shape.length),
        "w": draw(shape.filter_size, shape.num_filters, shape.in_channels),
        "b": draw(shape.num_filters),
        "dy": draw(shape.batch, shape.num_filters, out_len),
    }


def available_peers(requested: list[str]) -> list[str]:
    found = []
    for name in requested:
        try:
            __import__(name)
        except Exception as error:  # noqa: BLE001 - a peer that does not import is skipped
            print(f"note: {name} not available ({type(error).__name__}); skipped", file=sys.stderr)
        else:
            found.append(name)
    return found


def run_suite(
    shapes: list[Shape], dtypes: list[str], peers: list[str], repeat: int, threads: int, sgemm: SgemmPeak
) -> list[Row]:
    rows = []
    for number, shape in enumerate(shapes, 1):
        print(
            f"[{number}/{len(shapes)}] {shape.name}: B={shape.batch} C={shape.in_channels} K={shape.num_filters} "
            f"F={shape.filter_size} S={shape.stride} L={shape.length} cropping={shape.cropping}",
            file=sys.stderr,
            flush=True,
        )
        for dtype in dtypes:
            data = make_data(shape, dtype)
            fwd: dict[str, Call] = {}
            both: dict[str, Call] = {}
            fwd["tconv1d"], both["tconv1d"] = tconv1d_calls(shape, data)
            if "torch" in peers:
                fwd["torch"], both["torch"] = torch_calls(shape, data, threads)
            if "onnxruntime" in peers:
                try:
                    fwd["onnxruntime"] = onnxruntime_call(shape, data, threads)
                except Exception as error:  # noqa: BLE001 - e.g. no float64 ConvTranspose kernel
                    note = f"note: onnxruntime cannot run {shape.name} {dtype}: {str(error).splitlines()[0]}"
                    print(note, file=sys.stderr)
            peak = sgemm.measure()
            rows.append(Row(shape.name, dtype, "forward", shape.flops, interleaved_medians(fwd, repeat), peak))
            rows.append(
                Row(shape.name, dtype, "forward+backward", 3 * shape.flops, interleaved_medians(both, repeat), peak)
            )
    return rows


# ---------------------------------------------------------------- reporting


def format_table(rows: list[Row], peers: list[str]) -> str:
    header = ["shape", "dtype", "pass", "tconv1d ms", "GFLOP/s", "% peak"]
    for peer in peers:
        header += [f"{peer} ms", f"vs {peer}"]
    lines = [header]
    for row in rows:
        ms = row.ms["tconv1d"]
        gflops = row.flops / ms / 1e6
        line = [
            row.shape,
            row.dtype,
            row.pass_name,
            f"{ms:.3f}",
            f"{gflops:.1f}",
            f"{100 * gflops / row.sgemm_gflops:.0f}%",
        ]
        for peer in peers:
            if peer in row.ms:
                line += [f"{row.ms[peer]:.3f}", f"{row.ms[peer] / ms:.2f}x"]
            else:
                line += ["-", "-"]
        lines.append(line)
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = []
    for index, line in enumerate(lines):
        out.append("  ".join(cell.rjust(width) for cell, width in zip(line, widths)))
        if index == 0:
            out.append("  ".join("-" * width for width in widths))
    return "\n".join(out)


def forward_ratio_summary(rows: list[Row], peers: list[str]) -> str:
    """Geometric mean over forward rows of (best peer ms / tconv1d ms)."""
    ratios = []
    for row in rows:
        peer_ms = [row.ms[p] for p in peers if p in row.ms]
        if row.pass_name == "forward" and peer_ms:
            ratios.append(min(peer_ms) / row.ms["tconv1d"])
    if not ratios:
        return ""
    gmean = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
    return f"geometric mean of forward speed-ups over the best peer: {gmean:.2f}x ({len(ratios)} rows)"


def write_plot(rows: list[Row], peers: list[str], path: str) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ValueError(f"--plot needs matplotlib ({error})") from None
    groups = [(dtype, pass_name) for dtype in DTYPES for pass_name in ("forward", "forward+backward")]
    groups = [g for g in groups if any((r.dtype, r.pass_name) == g for r in rows)]
    impls = ["tconv1d", *peers]
    # Wide enough for a sweep's tens of shapes, their names turned to fit.
    shapes = max((sum((r.dtype, r.pass_name) == g for r in rows) for g in groups), default=1)
    fig, axes = plt.subplots(len(groups), 1, figsize=(max(10.0, 0.32 * shapes + 2), 3.6 * len(groups)), squeeze=False)
    for ax, (dtype, pass_name) in zip(axes[:, 0], groups):
        subset = [r for r in rows if r.dtype == dtype and r.pass_name == pass_name]
        width = 0.8 / len(impls)
        for i, impl in enumerate(impls):
            values = [r.flops / r.ms[impl] / 1e6 if impl in r.ms else 0.0 for r in subset]
            ax.bar([j + i * width for j in range(len(subset))], values, width, label=impl)
        ax.set_xticks([j + 0.4 - width / 2 for j in range(len(subset))])
        ax.set_xticklabels(
            [r.shape for r in subset],
            rotation=60 if len(subset) > 8 else 0,
            ha="right" if len(subset) > 8 else "center",
            fontsize="small",
        )
        ax.set_ylabel("GFLOP/s")
        ax.set_title(f"{dtype} {pass_name}")
        ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


# ---------------------------------------------------------------- CLI


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--shapes", metavar="FILE|NAMES", help="suite JSON, or built-in names such as tiny,doc-example (default: all)"
    )
    parser.add_argument(
        "--sweep", metavar="N", type=count(1), help="N shapes drawn from the families of tconv1d/sweep.py instead"
    )
    parser.add_argument("--seed", type=count(0), default=0, help="seed of the --sweep draw (default 0)")
    parser.add_argument(
        "--against", default=",".join(PEERS), help="comma-separated peers: torch,onnxruntime (or 'none')"
    )
    parser.add_argument("--json", metavar="FILE", type=writable_file, help="write the results as JSON")
    parser.add_argument("--plot", metavar="FILE", type=writable_file, help="write a PNG bar chart (needs matplotlib)")
    parser.add_argument("--dtype", default=",".join(DTYPES), help="comma-separated: float32,float64")
    parser.add_argument("--repeat", type=count(1), default=20, help="timed calls per figure (median)")
    parser.add_argument("--threads", type=count(0), default=0, help="threads for every implementation (0: tconv1d's)")
    parser.add_argument("--device", choices=("cpu", "gpu"), default="cpu", help="cpu, or gpu (tconv1d.cuda)")
    parser.add_argument(
        "--stream",
        metavar="CHUNK",
        type=count(1),
        help="instead of the peers: streaming in CHUNK-sample pushes against the whole signal "
        "(default shapes: the suite's vocoders)",
    )
    parser.add_argument(
        "--stream-length",
        metavar="N",
        type=count(1),
        help="signal length for --stream (default: 8 chunks, at least the shape's length)",
    )


def run(args: argparse.Namespace) -> int:
    if args.device == "gpu":
        from tconv1d.cuda import bench as gpu_bench

        # The GPU bench takes one dtype per run.
        status = 0
        for dtype in [d.strip() for d in args.dtype.split(",") if d.strip()]:
            status = max(status, int(gpu_bench.run(argparse.Namespace(**{**vars(args), "dtype": dtype})) or 0))
        return status
    import tconv1d

    dtypes = [d.strip() for d in args.dtype.split(",") if d.strip()]
    bad = [d for d in dtypes if d not in DTYPES]
    if bad or not dtypes:
        raise ValueError(f"--dtype: expected a comma-separated subset of {','.join(DTYPES)}, got {args.dtype!r}")
    requested = [p.strip() for p in args.against.split(",") if p.strip() and p.strip() != "none"]
    unknown = [p for p in requested if p not in PEERS]
    if unknown:
        raise ValueError(f"--against: unknown peer(s) {unknown}; choose from {','.join(PEERS)}")
    if args.sweep and args.shapes:
        raise ValueError("--sweep and --shapes: give one of them")
    if getattr(args, "stream_length", None) and not getattr(args, "stream", None):
        raise ValueError("--stream-length: only with --stream CHUNK")
    if getattr(args, "stream", None) and args.plot:
        raise ValueError("--plot: not with --stream (its figures are in the table and --json)")
    # a bad file or name is reported before anything runs
    shapes = sweep_shapes(args.sweep, args.seed) if args.sweep else load_shapes(args.shapes)
    if args.plot:
        try:
            import matplotlib  # noqa: F401
        except ImportError as error:
            raise ValueError(f"--plot needs matplotlib ({error})") from None
    if args.threads:
        tconv1d.set_num_threads(args.threads)
    threads = tconv1d.get_num_threads()
    if getattr(args, "stream", None):
        return _run_stream(args, shapes, dtypes, threads)
    peers = available_peers(requested)

    sgemm = SgemmPeak(threads)
    rows = run_suite(shapes, dtypes, peers, args.repeat, threads, sgemm)
    peaks = [row.sgemm_gflops for row in rows]
    peak = statistics.median(peaks)
    print(
        f"tconv1d {tconv1d.__version__}, kernels: {tconv1d._core.simd_level()}, threads: {threads}, "
        f"CPUs: {os.cpu_count()}, SGEMM peak ({sgemm.describe()}): "
        f"median {peak:.1f} GFLOP/s ({min(peaks):.1f}-{max(peaks):.1f}), repeat: {args.repeat}"
    )
    print(format_table(rows, peers))
    summary = forward_ratio_summary(rows, peers)
    if summary:
        print(summary)
    if args.json:
        record = {
            "version": tconv1d.__version__,
            "simd_level": tconv1d._core.simd_level(),
            "threads": threads,
            "sgemm_peak_gflops": peak,
            "sgemm_threads": sgemm.threads,
            "repeat": args.repeat,
            "peers": peers,
            "rows": [
                {
                    "shape": r.shape,
                    "dtype": r.dtype,
                    "pass": r.pass_name,
                    "flops": r.flops,
                    "ms": r.ms,
                    "sgemm_gflops": r.sgemm_gflops,
                }
                for r in rows
            ],
        }
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(record, handle, indent=2)
    if args.plot:
        write_plot(rows, peers, args.plot)
    return 0


def _run_stream(args: argparse.Namespace, shapes: list[Shape], dtypes: list[str], threads: int) -> int:
    """``--stream CHUNK``: each shape's signal streamed in chunks against one whole-signal call."""
    import tconv1d

    from . import bench_stream

    chunk = args.stream
    rows = []
    for shape in bench_stream.stream_shapes(shapes, named=bool(args.shapes or args.sweep)):
        length = args.stream_length or max(shape.length, 8 * chunk)
        for dtype in dtypes:
            print(f"[stream] {shape.name} {dtype} length {length} chunk {chunk}", file=sys.stderr, flush=True)
            rows.append(bench_stream.measure(shape, dtype, chunk, length, args.repeat))
    print(
        f"tconv1d {tconv1d.__version__}, kernels: {tconv1d._core.simd_level()}, threads: {threads}, "
        f"CPUs: {os.cpu_count()}, repeat: {args.repeat}; ratio = whole-signal ms / streamed ms"
    )
    print(bench_stream.format_table(rows))
    if args.json:
        record = {"version": tconv1d.__version__, "threads": threads, "repeat": args.repeat}
        record["stream"] = bench_stream.as_records(rows)
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(record, handle, indent=2)
    return 0
