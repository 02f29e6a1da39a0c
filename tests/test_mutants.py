"""Proof that the conformance suite catches mistakes: every deliberately broken
implementation in ``mutants/`` (each breaks one requirement, named in its
``BREAKS``) fails in the category it names (``CATEGORY``), and the failures
cite the broken requirement.
"""

from __future__ import annotations

import importlib
import pkgutil

import mutants
import pytest

from tconv1d.conformance import run_cases
from tconv1d.conformance.checks import FAILED

# Which CPU kernel body or strategy runs does not change these tests' outcome.
pytestmark = pytest.mark.body_independent

MUTANTS = sorted(m.name for m in pkgutil.iter_modules(mutants.__path__) if not m.name.startswith("_"))


def test_there_are_mutants():
    assert len(MUTANTS) >= 10


@pytest.mark.parametrize("name", MUTANTS)
def test_mutant_is_caught(name):
    mutant = importlib.import_module(f"mutants.{name}")
    results = run_cases(mutant, categories=[mutant.CATEGORY])
    failed = [r for r in results if r.status == FAILED]
    assert failed, f"{name} (breaks {mutant.BREAKS}) passed every {mutant.CATEGORY} case"
    cited = {r.spec for r in failed}
    assert mutant.BREAKS in cited, f"{name} breaks {mutant.BREAKS}, but the failures cite {sorted(cited)}"
