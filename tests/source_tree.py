"""The repository checkout around the tests, when there is one.

The suite also runs against an installed wheel from a copy of tests/ alone
(CI's wheel job, cibuildwheel's test-command). Tests that read the repository
itself (sources, README, CI files) are marked ``needs_source`` and skipped
there with that reason; everything else tests the installed package."""

from __future__ import annotations

import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent

needs_source = pytest.mark.skipif(
    not (ROOT / "pysrc" / "tconv1d").is_dir() or not (ROOT / "README.md").is_file(),
    reason="reads the repository checkout, and these tests run from a copy of tests/ alone",
)
