#!/usr/bin/env python3
"""Coverage-guided fuzzing of tconv1d's Python API with atheris.

    python tests/fuzz/fuzz_api.py tests/fuzz/corpus -max_total_time=60

runs for a minute from the committed corpus (new inputs that reach new code are
added to it); leave out -max_total_time to run for hours. Any crash, hang
(-timeout, seconds per input), undocumented exception or wrong result stops the
run and is written to a crash-* file, replayed by passing that file instead of
the corpus folder. See harness.py for what is checked.
"""

from __future__ import annotations

import os
import sys

import atheris

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

with atheris.instrument_imports(include=["tconv1d", "harness"]):
    import harness


def main() -> None:
    atheris.Setup(sys.argv, harness.one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
