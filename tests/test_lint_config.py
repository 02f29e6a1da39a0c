"""CI's lint step and the pre-commit hooks run the same tools at the same
versions: every pinned tool of .ci/lint-requirements.txt appears in
.pre-commit-config.yaml with that version, and nothing else is pinned there."""

from __future__ import annotations

import pathlib
import re

from source_tree import needs_source

pytestmark = needs_source

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _pins(text: str) -> dict[str, str]:
    return dict(re.findall(r"([A-Za-z0-9_.-]+)==([0-9][A-Za-z0-9_.]*)", text))


def test_pre_commit_pins_equal_the_ci_pins():
    ci = _pins((ROOT / ".ci" / "lint-requirements.txt").read_text(encoding="utf-8"))
    hooks = _pins((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    assert set(ci) == {"ruff", "mypy", "clang-format", "clang-tidy"}
    assert hooks == ci


def test_ci_runs_the_lint_step_before_the_tests():
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert script.index("bash .ci/lint") < script.index("python -m pytest")
