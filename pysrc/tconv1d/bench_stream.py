"""``tconv1d bench --stream CHUNK``: streaming throughput against the whole signal.

For each shape, one signal of ``--stream-length`` samples (default 8 chunks, at
least the shape's own length) is upsampled twice, interleaved call by call: by
one ``transposed_conv1d`` call on the whole signal, and by a stream fed
``CHUNK`` samples per push then flushed (SPEC R13), each output handed on and
dropped as a live consumer would. The figure is the median of
``--repeat`` runs of each; "ratio" is whole-signal time ÷ streamed time (1.0:
streaming costs nothing), the stream's set-up, first push (which packs the
weights) and flush included; "per push" is the whole signal's time per chunk ÷
the median push after the first, the throughput of a long stream. The streamed
result is checked against the whole-signal one before timing.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .bench_shape import Shape

#: The shapes --stream measures unless --shapes names others: the suite's vocoder upsamplers.
VOCODER_PREFIX = "hifigan"


@dataclass
class StreamRow:
    shape: str
    dtype: str
    length: int
    chunk: int
    whole_ms: float
    stream_ms: float
    push_ms: float  # median of the pushes after the first (steady state)
    max_relative_difference: float

    @property
    def ratio(self) -> float:
        """Whole-signal time / streamed time, stream set-up, first push and flush included."""
        return self.whole_ms / self.stream_ms

    @property
    def push_ratio(self) -> float:
        """The whole signal's time per chunk / one steady-state push: a long stream's throughput."""
        chunks = -(-self.length // self.chunk)
        return self.whole_ms / chunks / self.push_ms


def _median_ms(calls: dict[str, Callable[[], Any]], repeat: int) -> dict[str, float]:
    for call in calls.values():  # warm-up: first-touch pages, thread pool, caches
        call()
    times: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(repeat):
        for name, call in calls.items():  # interleaved, so drift hits both alike
            start = time.perf_counter()
            call()
            times[name].append(time.perf_counter() - start)
    return {name: 1e3 * statistics.median(values) for name, values in times.items()}


def measure(shape: Shape, dtype: str, chunk: int, length: int, repeat: int) -> StreamRow:
    import tconv1d

    rng = np.random.default_rng(0)
    x = rng.standard_normal((shape.batch, shape.in_channels, length)).astype(dtype)
    w = rng.standard_normal((shape.filter_size, shape.num_filters, shape.in_channels)).astype(dtype)
    b = rng.standard_normal(shape.num_filters).astype(dtype)
    chunks = [x[:, :, start : start + chunk] for start in range(0, length, chunk)]

    def whole() -> Any:
        return tconv1d.transposed_conv1d(x, w, b, shape.stride, shape.cropping)

    push_times: list[float] = []

    def streamed(keep: bool = False) -> list[Any]:
        # A live consumer hands each output on (to a sound card, a socket) and drops
        # it, as the whole-signal caller drops its one result: only the last is kept.
        stream = tconv1d.transposed_conv1d_stream(w, b, shape.stride, shape.cropping)
        outputs = []
        for index, part in enumerate(chunks):
            start = time.perf_counter()
            y = stream.push(part)
            if index:
                push_times.append(time.perf_counter() - start)
            if keep:
                outputs.append(y)
        outputs.append(stream.flush())
        return outputs

    want = whole()
    got = np.concatenate(streamed(keep=True), axis=2)
    if got.shape != want.shape:
        raise AssertionError(f"{shape.name}: streamed shape {got.shape} != whole-signal {want.shape}")
    difference = float(np.max(np.abs(got - want)) / max(float(np.max(np.abs(want))), 1e-300))
    del want, got
    push_times.clear()
    ms = _median_ms({"whole": whole, "stream": streamed}, repeat)
    push_ms = 1e3 * statistics.median(push_times) if push_times else ms["stream"]
    return StreamRow(shape.name, dtype, length, chunk, ms["whole"], ms["stream"], push_ms, difference)


def format_table(rows: list[StreamRow]) -> str:
    header = (
        f"{'shape':<14}{'dtype':<9}{'length':>7}{'chunk':>6}{'whole ms':>10}{'stream ms':>11}{'ratio':>7}"
        f"{'push ms':>9}{'per push':>9}{'max rel diff':>13}"
    )
    lines = [header, "-" * len(header)]
    for r in rows:
        lines.append(
            f"{r.shape:<14}{r.dtype:<9}{r.length:>7}{r.chunk:>6}{r.whole_ms:>10.2f}{r.stream_ms:>11.2f}"
            f"{r.ratio:>7.2f}{r.push_ms:>9.3f}{r.push_ratio:>9.2f}{r.max_relative_difference:>13.1e}"
        )
    return "\n".join(lines)


def stream_shapes(shapes: Sequence[Shape], named: bool) -> list[Shape]:
    """The shapes to stream: those asked for, else the suite's vocoder upsamplers."""
    if named:
        return list(shapes)
    vocoders = [s for s in shapes if s.name.startswith(VOCODER_PREFIX)]
    return vocoders or list(shapes)


def as_records(rows: list[StreamRow]) -> list[dict[str, Any]]:
    return [{**vars(r), "ratio": r.ratio, "push_ratio": r.push_ratio} for r in rows]
