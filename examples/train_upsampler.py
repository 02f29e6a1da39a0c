"""Learn a 4x upsampler of signals with the tconv1d layer.

The data: sums of three sines of random frequency, phase and amplitude, at 256
samples (the target), and the same signals decimated by 4 (the input). The
model: one transposed convolution layer, FilterSize 16, Stride 4, "same"
cropping, from 1 channel to 1 — an interpolation filter learned from data.

It is trained twice from the same initial weights:
  1. with the layer's forward and backward passes and tconv1d's Adam update step
     alone (no PyTorch): ``tconv1d.solver("adam")``;
  2. as ``tconv1d.torch.TransposedConv1d`` in a plain PyTorch loop with
     ``torch.optim.Adam`` (skipped when PyTorch is not installed).

It prints the loss, and saves a PNG of both loss curves and of one
reconstructed signal (needs matplotlib: pip install "tconv1d[plot]").

    python examples/train_upsampler.py                       # about 10 s on 2 cores
    python examples/train_upsampler.py --steps 50 --png none # quick, no picture
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import tconv1d

FACTOR = 4
HIGH = 256  # samples of a target signal
FILTER_SIZE = 16


def make_signals(count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(input, target): (1, count, HIGH / FACTOR) decimated signals and (1, count, HIGH) originals, in CBT."""
    t = np.arange(HIGH) / HIGH
    freq = rng.uniform(1, 12, size=(count, 3, 1))  # cycles per signal: below the decimated Nyquist (32)
    phase = rng.uniform(0, 2 * np.pi, size=(count, 3, 1))
    amp = rng.uniform(0.2, 1.0, size=(count, 3, 1))
    target = (amp * np.sin(2 * np.pi * freq * t + phase)).sum(axis=1).astype(np.float32)
    return target[None, :, ::FACTOR].copy(), target[None]


def train_tconv1d(x, y, steps: int, seed: int) -> tuple[list[float], object]:
    layer = tconv1d.transposed_conv1d_layer(FILTER_SIZE, 1, Stride=FACTOR, Cropping="same")
    layer.initialize(num_channels=1, seed=seed)
    adam = tconv1d.solver("adam", learn_rate=0.01, l2_regularization=0)
    losses = []
    for _ in range(steps):
        err = layer.predict(x) - y
        losses.append(float(np.mean(err**2)))
        _, dweights, dbias = layer.backward(x, 2 * err / err.size)  # d(mean squared error)/dy
        adam.step(layer, dweights, dbias)
    return losses, layer


def train_torch(x, y, steps: int, seed: int) -> list[float] | None:
    try:
        import torch

        import tconv1d.torch as tt
    except ImportError:
        return None
    module = tt.TransposedConv1d(FILTER_SIZE, 1, 1, Stride=FACTOR, Cropping="same", seed=seed)
    optimizer = torch.optim.Adam(module.parameters(), lr=0.01)
    xt = torch.from_numpy(x.transpose(1, 0, 2).copy())  # CBT -> (N, C, L)
    yt = torch.from_numpy(y.transpose(1, 0, 2).copy())
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = torch.mean((module(xt) - yt) ** 2)
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
    return losses


def save_png(path: str, losses: list[float], torch_losses: list[float] | None, layer, x, y) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no picture (pip install 'tconv1d[plot]')")
        return False
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    left.semilogy(losses, label="tconv1d layer + tconv1d Adam step")
    if torch_losses is not None:
        left.semilogy(torch_losses, "--", label="tconv1d.torch module + torch.optim.Adam")
    left.set_xlabel("step")
    left.set_ylabel("mean squared error")
    left.set_title("training loss")
    left.legend()
    recon = layer.predict(x[:, :1])
    t = np.arange(HIGH)
    right.plot(t, y[0, 0], color="0.6", linewidth=3, label="original (256 samples)")
    right.plot(t[::FACTOR], x[0, 0], "o", markersize=3, label="input (decimated by 4)")
    right.plot(t, recon[0, 0], label="upsampled by the learned layer")
    right.set_xlabel("sample")
    right.set_title("one test signal")
    right.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return True


def main(argv: list[str] | None = None) -> dict[str, list[float] | None]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--signals", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--png", default="train_upsampler.png", help="picture to write ('none': no picture)")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    x, y = make_signals(args.signals, rng)
    x_test, y_test = make_signals(4, rng)

    start = time.perf_counter()
    losses, layer = train_tconv1d(x, y, args.steps, args.seed)
    print(f"tconv1d + Adam step: loss {losses[0]:.4f} -> {losses[-1]:.6f} in {args.steps} steps "
          f"({time.perf_counter() - start:.1f} s)")  # fmt: skip
    test_err = float(np.mean((layer.predict(x_test) - y_test) ** 2))
    print(f"  test signals: mean squared error {test_err:.6f} (signal power {float(np.mean(y_test**2)):.3f})")

    start = time.perf_counter()
    torch_losses = train_torch(x, y, args.steps, args.seed)
    if torch_losses is None:
        print("PyTorch is not installed: the tconv1d.torch run is skipped")
    else:
        print(f"tconv1d.torch + torch.optim.Adam: loss {torch_losses[0]:.4f} -> {torch_losses[-1]:.6f} "
              f"({time.perf_counter() - start:.1f} s)")  # fmt: skip
    if args.png.lower() != "none" and save_png(args.png, losses, torch_losses, layer, x_test, y_test):
        print(f"wrote {args.png}")
    return {"tconv1d": losses, "torch": torch_losses}


if __name__ == "__main__":
    main()
