"""The fuzz target's corpus, replayed (tests/fuzz): every input that once
reached new code still ends in a documented exception or a correct result, with
the caller's arrays untouched. CI also runs the fuzzer itself for a minute."""

from __future__ import annotations

import pathlib

import pytest
from fuzz import harness

CORPUS = sorted((pathlib.Path(__file__).parent / "fuzz" / "corpus").iterdir())


def test_the_corpus_is_there():
    assert len(CORPUS) >= 50


@pytest.mark.parametrize("path", CORPUS, ids=[p.name[:12] for p in CORPUS])
def test_corpus_input(path):
    harness.one_input(path.read_bytes())
