"""``tconv1d demo`` (and ``python -m tconv1d``): the vendor's example layer,
``transposedConv1dLayer(11, 96, Stride=4)``, displayed, then one forward and
one backward pass on random data with the time each took.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any, Callable, TypeVar

import numpy as np
import numpy.typing as npt

from .arrays import allocate
from .cli_args import count

T = TypeVar("T")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    positive = count(1)
    parser.add_argument("--channels", type=positive, default=32, help="input channels (default 32)")
    parser.add_argument("--batch", type=positive, default=16, help="batch size (default 16)")
    parser.add_argument("--length", type=positive, default=256, help="input length (default 256)")
    parser.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    parser.add_argument(
        "--repeats", type=positive, default=3, help="timed runs per pass; the median is shown (default 3)"
    )
    parser.add_argument("--seed", type=count(0), default=0, help="seed of the data and the weights, >= 0 (default 0)")


def _median_seconds(call: Callable[[], T], repeats: int) -> tuple[T, float]:
    """The result of ``call()`` and the median of ``repeats`` timed calls (after one warm-up)."""
    result = call()  # warm-up: first-touch page faults and thread start-up are not the pass
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - start)
    return result, statistics.median(times)


def _shape(array: npt.NDArray[Any]) -> str:
    return "×".join(map(str, array.shape))


def run(args: argparse.Namespace) -> int:
    from . import get_num_threads, transposed_conv1d_layer

    layer = transposed_conv1d_layer(11, 96, Stride=4)
    print(">>> layer = tconv1d.transposed_conv1d_layer(11, 96, Stride=4)")
    print(layer)
    print()

    rng = np.random.default_rng(args.seed)
    x = allocate(
        (args.channels, args.batch, args.length),
        np.dtype(args.dtype),
        "the input x",
        lambda: "--channels, --batch, --length",
    )
    rng.standard_normal(dtype=x.dtype, out=x)
    layer.initialize(num_channels=args.channels, seed=args.seed)
    y, forward_s = _median_seconds(lambda: layer.predict(x, fmt="CBT"), args.repeats)
    dy = rng.standard_normal(y.shape).astype(args.dtype)
    (dx, dw, db), backward_s = _median_seconds(lambda: layer.backward(x, dy, fmt="CBT"), args.repeats)

    print(f"input  x  (CBT, {args.dtype}): {_shape(x)}")
    print(f"output y  (CBT):          {_shape(y)}")
    print(f"gradients: dx {_shape(dx)}, dW {_shape(dw)}, db {_shape(db)}")
    print(f"forward:  {forward_s * 1e3:9.3f} ms  (median of {args.repeats}, {get_num_threads()} threads)")
    print(f"backward: {backward_s * 1e3:9.3f} ms  (dx, dW and db together)")
    return 0
