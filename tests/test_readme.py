"""The README's quick example runs as written and shows what it says it shows."""

from __future__ import annotations

import contextlib
import io
import pathlib
import re

from source_tree import needs_source

pytestmark = needs_source

README = pathlib.Path(__file__).resolve().parent.parent / "README.md"


def test_quick_example_runs_and_its_comments_hold():
    text = README.read_text(encoding="utf-8")
    block = re.search(r"## Quick example\n\n```python\n(.*?)```", text, re.S).group(1)
    namespace: dict = {}
    with contextlib.redirect_stdout(io.StringIO()) as out:
        exec(compile(block, str(README), "exec"), namespace)
    printed = out.getvalue()
    assert "TransposedConvolution1DLayer with properties:" in printed
    assert "(96, 16, 1024)" in printed and "\n1024\n" in printed
    assert namespace["dw"].shape == namespace["layer"].weights.shape
    assert namespace["db"].shape == namespace["layer"].bias.shape == (1, 96)
    assert (namespace["y2"] == namespace["y"]).all()
