"""The runner derives what an implementation lacks from what it has (issue: the
validator runs most cases on every peer): an adapter that takes only (N, C, L)
arrays and has no output_length still runs the format cases (the runner
permutes) and the output-size cases (a forward pass on zeros), passes them when
its passes are right, and the report says what was derived."""

from __future__ import annotations

import textwrap

from tconv1d.conformance.runner import main

NCL_ONLY = textwrap.dedent(
    """
    import numpy as np
    import tconv1d

    NAME = "ncl-only"
    SHIFT = {shift}

    def transposed_conv1d(x, weights, bias=None, stride=1, cropping=0, fmt="BCT"):
        if fmt.upper() != "BCT":
            raise NotImplementedError("(N, C, L) only")
        y = tconv1d.transposed_conv1d(x, weights, bias, stride, cropping, "BCT")
        return np.concatenate([y, np.zeros_like(y[..., :1])], axis=-1) if SHIFT else y

    def transposed_conv1d_backward(x, weights, dy, stride=1, cropping=0, fmt="BCT"):
        if fmt.upper() != "BCT":
            raise NotImplementedError("(N, C, L) only")
        return tconv1d.transposed_conv1d_backward(x, weights, dy, stride, cropping, "BCT")
    """
)


def _run(tmp_path, capsys, shift: bool, *only: str) -> tuple[int, str]:
    adapter = tmp_path / f"ncl_only_{int(shift)}.py"
    adapter.write_text(NCL_ONLY.format(shift=shift), encoding="utf-8")
    status = main(["--impl", str(adapter), "--only", *only])
    return status, capsys.readouterr().out


def test_formats_and_output_sizes_run_through_derivation(tmp_path, capsys):
    status, out = _run(tmp_path, capsys, False, "output_size", "formats")
    assert status == 0, out
    assert "derived for ncl-only: output_length: derived from a forward pass on zeros" in out
    assert "derived for ncl-only: formats: permuted into (N, C, L) for the implementation" in out
    rows = {
        line.split()[0]: [int(n) for n in line.split()[1:]]
        for line in out.splitlines()
        if line.startswith(("output_size ", "formats "))
    }
    assert rows["output_size"][0] >= 400 and rows["output_size"][1] == 0
    assert rows["formats"][0] >= 50 and rows["formats"][1] == 0


def test_a_wrong_output_length_is_caught_through_the_derivation(tmp_path, capsys):
    status, out = _run(tmp_path, capsys, True, "output_size")
    assert status == 1
    row = next(line for line in out.splitlines() if line.startswith("output_size "))
    assert int(row.split()[2]) >= 400  # almost every output-size case fails: one element too many
