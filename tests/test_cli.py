"""The console command: `tconv1d info` and the subcommand plumbing."""

from __future__ import annotations

import subprocess
import sys

import tconv1d
from tconv1d import cli


def test_info_reports_version_threads_and_gpu(capsys):
    assert cli.main(["info"]) == 0
    out = capsys.readouterr().out
    assert f"version: {tconv1d.__version__}" in out
    assert f"threads: {tconv1d.get_num_threads()}" in out
    for key in ("compiler:", "OpenMP:", "SIMD level:", "GPU:"):
        assert key in out


def test_no_subcommand_prints_help_and_fails(capsys):
    assert cli.main([]) == 2
    assert "info" in capsys.readouterr().out


def test_console_entry_point_runs_in_a_fresh_interpreter():
    result = subprocess.run(
        [sys.executable, "-c", "import sys; from tconv1d.cli import main; sys.exit(main(['info']))"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "SIMD level" in result.stdout
