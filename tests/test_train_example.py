"""examples/train_upsampler.py runs (a short version) and learns: the loss falls
with tconv1d's layer and Adam step alone, and — where PyTorch is installed —
the same model in a PyTorch loop with torch.optim.Adam follows the same loss
curve (an independent check of the update step: same formulas, other code)."""

from __future__ import annotations

import importlib.util
import pathlib

import numpy as np
from source_tree import ROOT, needs_source

pytestmark = needs_source


def _example():
    spec = importlib.util.spec_from_file_location("train_upsampler", ROOT / "examples" / "train_upsampler.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_short_run_learns_and_matches_torch(tmp_path: pathlib.Path, capsys):
    png = tmp_path / "curves.png"
    result = _example().main(["--steps", "80", "--signals", "16", "--png", str(png)])
    losses = result["tconv1d"]
    assert losses[-1] < 0.1 * losses[0]
    out = capsys.readouterr().out
    assert "tconv1d + Adam step: loss" in out
    if result["torch"] is not None:
        assert np.allclose(result["torch"], losses, rtol=1e-3)
    if importlib.util.find_spec("matplotlib") is not None:  # the picture needs it (the "plot" extra)
        assert png.stat().st_size > 10_000
    else:
        assert not png.exists() and "no picture" in out
