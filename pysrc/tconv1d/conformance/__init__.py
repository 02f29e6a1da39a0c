"""The conformance suite: the documented behaviour of the layer (SPEC R1-R7) as
data, and a validator that runs it against any implementation.

- ``cases``    loads the case files (shipped in the wheel under ``data/``);
- ``oracle``   the validator's own loop-nest evaluation of R3 (no code shared with tconv1d);
- ``checks``   runs one case against an implementation and judges the result;
- ``adapters`` the implementations: this package, torch, onnxruntime, cuda, or any module;
- ``runner``   the ``tconv1d conformance`` command (progress, tables, JSON and JUnit reports).

Programmatic use::

    from tconv1d.conformance import run_cases
    results = run_cases("torch", categories=["numerics"])
"""

from __future__ import annotations

from .cases import CATEGORIES, load_cases
from .checks import Result, run_case, run_cases

__all__ = ["CATEGORIES", "Result", "load_cases", "run_case", "run_cases"]
