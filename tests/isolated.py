"""Running a snippet in a fresh interpreter: a crash, an abort or a hang there
is a failed test here instead of the end of the test run."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))

PRELUDE = f"""
import sys
sys.path.insert(0, {HERE!r})
import numpy as np
import tconv1d
import oracles
"""


def run_isolated(code: str, *, timeout: float = 120, env: dict | None = None) -> str:
    """Runs ``code`` after PRELUDE in a new interpreter; returns its stdout.

    Fails (AssertionError) when the interpreter dies, exits non-zero or does not
    finish within ``timeout`` seconds (the hang guard)."""
    program = PRELUDE + textwrap.dedent(code)
    try:
        result = subprocess.run(
            [sys.executable, "-c", program],
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, **(env or {})},
        )
    except subprocess.TimeoutExpired:
        raise AssertionError(f"no result within {timeout} s (a hang):\n{code}") from None
    assert result.returncode == 0, (
        f"interpreter exited with {result.returncode}:\n{result.stderr[-3000:]}\n--- code:\n{code}"
    )
    return result.stdout
