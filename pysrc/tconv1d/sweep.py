"""The shape families of ``tconv1d bench --sweep``: what users bring, drawn at
random so that a benchmark is not tuned to a list.

Each family is a function of a random generator that returns one shape
(B, C_in, C_out, F, S, L, cropping). Sizes are kept so that one pass costs at
most about 1.5 GFLOP and no array exceeds 64 Mi elements, so a sweep of 40
shapes runs in minutes. The families (SPEC-level meaning in parentheses):

- ``vocoder``: upsamplers of neural vocoders (F = 2S, S up to 10, channels
  halving, short and long inputs, batch 1 included; crop (F - S)/2 per side);
- ``autoencoder``: decoders (S = 2, F odd, "same");
- ``latent``: latent expansion (L <= 4, batch up to 256);
- ``one_channel``: one input or one output channel;
- ``long_thin``: long thin signals (batch 1, L >= 16384, few channels);
- ``stride1``: stride 1 (a transposed convolution that does not upsample);
- ``filter_shorter``: F < S (outputs between the inputs' taps hold the bias).
"""

from __future__ import annotations

import random
from typing import Callable, Union

#: (B, C_in, C_out, F, S, L, cropping), cropping n, [l, r] or "same".
Shape = tuple[int, int, int, int, int, int, Union[int, str, list[int]]]


def _choice(rng: random.Random, values: list[int]) -> int:
    return values[rng.randrange(len(values))]


def vocoder(rng: random.Random) -> Shape:
    stride = rng.randint(2, 10)
    channels = _choice(rng, [64, 128, 256, 512])
    length = _choice(rng, [16, 32, 64, 128, 256, 512, 1024, 2048, 4096])
    batch = _choice(rng, [1, 1, 2, 4, 8])
    filter_size = 2 * stride
    crop = (filter_size - stride) // 2
    return batch, channels, channels // 2, filter_size, stride, length, [crop, filter_size - stride - crop]


def autoencoder(rng: random.Random) -> Shape:
    return (
        _choice(rng, [4, 8, 16, 32, 64]),
        _choice(rng, [16, 32, 64, 128]),
        _choice(rng, [8, 16, 32, 64, 128]),
        _choice(rng, [3, 5, 7, 9]),
        2,
        _choice(rng, [64, 128, 256, 512, 1024]),
        "same",
    )


def latent(rng: random.Random) -> Shape:
    stride = _choice(rng, [2, 4, 8])
    return (
        _choice(rng, [1, 8, 32, 64, 128, 256]),
        _choice(rng, [32, 64, 128, 256, 512]),
        _choice(rng, [32, 64, 128, 256]),
        _choice(rng, [stride, 2 * stride, 4 * stride]),
        stride,
        rng.randint(1, 4),
        _choice(rng, [0, 0, 1]) if rng.random() < 0.6 else "same",
    )


def one_channel(rng: random.Random) -> Shape:
    other = _choice(rng, [16, 32, 64, 128, 256])
    channels, filters = (1, other) if rng.random() < 0.5 else (other, 1)
    stride = _choice(rng, [1, 2, 4])
    filter_size = _choice(rng, [4, 8, 16])
    return (
        _choice(rng, [1, 4, 8]),
        channels,
        filters,
        filter_size,
        stride,
        _choice(rng, [512, 1024, 2048, 4096, 16384]),
        "same" if rng.random() < 0.5 else 0,
    )


def long_thin(rng: random.Random) -> Shape:
    stride = _choice(rng, [1, 2, 4])
    return (
        1,
        _choice(rng, [4, 8, 16, 32]),
        _choice(rng, [4, 8, 16, 32]),
        _choice(rng, [2 * stride, 3, 4, 8]),
        stride,
        _choice(rng, [16384, 32768, 65536]),
        _choice(rng, [0, 1]) if rng.random() < 0.5 else "same",
    )


def stride1(rng: random.Random) -> Shape:
    return (
        _choice(rng, [1, 4, 8, 16]),
        _choice(rng, [32, 64, 128, 256]),
        _choice(rng, [32, 64, 128, 256]),
        _choice(rng, [3, 5, 7, 9]),
        1,
        _choice(rng, [128, 256, 512, 1024]),
        _choice(rng, [0, 1]) if rng.random() < 0.5 else "same",
    )


def filter_shorter(rng: random.Random) -> Shape:
    stride = rng.randint(3, 16)
    return (
        _choice(rng, [1, 4, 8, 16]),
        _choice(rng, [16, 64, 128, 256]),
        _choice(rng, [16, 64, 128, 256]),
        rng.randint(1, stride - 1),
        stride,
        _choice(rng, [16, 64, 256, 1024]),
        "same" if rng.random() < 0.5 else 0,
    )


#: The families in the order a sweep cycles through them.
FAMILIES: dict[str, Callable[[random.Random], Shape]] = {
    "vocoder": vocoder,
    "autoencoder": autoencoder,
    "latent": latent,
    "one_channel": one_channel,
    "long_thin": long_thin,
    "stride1": stride1,
    "filter_shorter": filter_shorter,
}

MAX_FLOPS = 1.5e9
MAX_ELEMENTS = 64 << 20


def _cost(shape: Shape) -> tuple[float, int]:
    """(FLOPs of one pass, elements of the largest array); the output length is
    bounded by the full length plus an extension of at most S."""
    batch, channels, filters, filter_size, stride, length, _ = shape
    flops = 2.0 * batch * length * channels * filters * filter_size
    out_length = length * stride + filter_size
    return flops, max(batch * channels * length, batch * filters * out_length, filter_size * filters * channels)


def _valid(shape: Shape) -> bool:
    """Whether the cropping leaves an output (R2.2)."""
    _, _, _, filter_size, stride, length, cropping = shape
    if isinstance(cropping, str):
        return True
    left, right = (cropping, cropping) if isinstance(cropping, int) else (cropping[0], cropping[1])
    return (length - 1) * stride + filter_size - left - right >= 1


def draw(count: int, seed: int) -> list[tuple[str, Shape]]:
    """``count`` shapes, the families taken in turn, each drawn again until it fits the size caps."""
    rng = random.Random(seed)
    names = list(FAMILIES)
    shapes = []
    for index in range(count):
        family = names[index % len(names)]
        while True:
            shape = FAMILIES[family](rng)
            flops, elements = _cost(shape)
            if flops <= MAX_FLOPS and elements <= MAX_ELEMENTS and _valid(shape):
                break
        shapes.append((f"{family}-{index}", shape))
    return shapes
