"""The layer's text display (SPEC R1.4) and the demo that prints it."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

import tconv1d
from tconv1d import cli

# The vendor documentation's example, `transposedConv1dLayer(11,96,Stride=4)`.
VENDOR_EXAMPLE = """\
TransposedConvolution1DLayer with properties:

          Name: ''

   Hyperparameters
    FilterSize: 11
   NumChannels: 'auto'
    NumFilters: 96
        Stride: 4
  CroppingMode: 'manual'
  CroppingSize: [0 0]

   Learnable Parameters
       Weights: []
          Bias: []

  Use properties method to see a list of all properties."""


def test_vendor_example_display():
    layer = tconv1d.transposed_conv1d_layer(11, 96, Stride=4)
    assert repr(layer) == VENDOR_EXAMPLE
    assert str(layer) == VENDOR_EXAMPLE


def _rows(text: str) -> dict[str, str]:
    rows = {}
    for line in text.splitlines():
        if ": " in line:
            key, value = line.split(": ", 1)
            rows[key.strip()] = value
    return rows


def test_names_are_right_aligned_to_one_column():
    text = str(tconv1d.transposed_conv1d_layer(3, 2, Name="a: b"))
    columns = {line.index(":") for line in text.splitlines() if ":" in line and not line.endswith("properties:")}
    assert columns == {len("  CroppingSize")}


def test_display_with_parameters():
    layer = tconv1d.transposed_conv1d_layer(11, 96, Stride=4).initialize(num_channels=3, seed=0)
    rows = _rows(str(layer))
    assert rows["NumChannels"] == "3"
    assert rows["Weights"] == "11×96×3 single"
    assert rows["Bias"] == "1×96 single"


def test_display_double_and_mixed_dtypes():
    layer = tconv1d.transposed_conv1d_layer(2, 5, Weights=np.zeros((2, 5, 1)), Bias=np.zeros((1, 5), np.float32))
    rows = _rows(str(layer))
    assert rows["Weights"] == "2×5×1 double"
    assert rows["Bias"] == "1×5 single"


def test_display_of_name_mode_and_resolved_same_cropping():
    layer = tconv1d.transposed_conv1d_layer(5, 2, Stride=2, Cropping="same", Name="up1", NumChannels=4)
    rows = _rows(str(layer))
    assert rows["Name"] == "'up1'"
    assert rows["NumChannels"] == "4"
    assert rows["CroppingMode"] == "'same'"
    assert rows["CroppingSize"] == "[0 0]"
    layer.predict(np.ones((4, 1, 3), np.float32))
    assert _rows(str(layer))["CroppingSize"] == "[1 2]"


def test_display_doubles_quotes_in_the_name():
    assert _rows(str(tconv1d.transposed_conv1d_layer(5, 2, Name="it's")))["Name"] == "'it''s'"


def test_display_of_manual_asymmetric_cropping():
    assert _rows(str(tconv1d.transposed_conv1d_layer(5, 2, Cropping=[0, 3])))["CroppingSize"] == "[0 3]"


def test_display_groups_in_vendor_order():
    lines = str(tconv1d.transposed_conv1d_layer(3, 2)).splitlines()
    keys = [line.split(":")[0].strip() for line in lines if ":" in line][1:]
    assert keys == [
        "Name",
        "FilterSize",
        "NumChannels",
        "NumFilters",
        "Stride",
        "CroppingMode",
        "CroppingSize",
        "Weights",
        "Bias",
    ]
    assert lines.index("   Hyperparameters") < lines.index("   Learnable Parameters")


# --- the demo (`tconv1d demo`, `python -m tconv1d`) ---------------------------------------


def test_demo_subcommand(capsys):
    assert cli.main(["demo", "--channels", "3", "--batch", "2", "--length", "8", "--repeats", "1"]) == 0
    out = capsys.readouterr().out
    assert VENDOR_EXAMPLE in out
    assert "3×2×8" in out  # x
    assert "96×2×39" in out  # y: (8 - 1)·4 + 11 = 39
    assert "dW 11×96×3" in out and "db 1×96" in out
    assert "forward:" in out and "backward:" in out and " ms" in out


def test_python_dash_m_runs_the_demo():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "tconv1d",
            "--channels",
            "2",
            "--batch",
            "1",
            "--length",
            "4",
            "--repeats",
            "1",
            "--dtype",
            "float64",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "TransposedConvolution1DLayer with properties:" in result.stdout
    assert "96×1×23" in result.stdout


def test_demo_rejects_bad_sizes():
    result = subprocess.run(
        [sys.executable, "-m", "tconv1d", "--batch", "0"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2
    assert "--batch" in result.stderr and "positive integer" in result.stderr
