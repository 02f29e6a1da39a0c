"""Finding and loading the case files.

An installed wheel carries them in ``tconv1d/conformance/data/cases`` (CMake
installs the repository's ``conformance/`` there); an editable install or a
source checkout reads the repository's ``conformance/`` directly.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1

#: A case, or any object of a case file, as JSON gives it: its values are
#: whatever the case format (schema.json) allows, checked by the runner.
Case = dict[str, Any]

#: The categories in the order they are run and reported.
CATEGORIES = ("output_size", "cropping", "properties", "initializers", "formats", "numerics", "gradients", "training")


def data_dir() -> Path:
    """The directory holding ``schema.json`` and ``cases/``."""
    here = Path(__file__).resolve().parent
    candidates = [here / "data", here.parents[2] / "conformance"]
    for candidate in candidates:
        if (candidate / "cases").is_dir():
            return candidate
    raise FileNotFoundError("conformance case files not found; looked in " + ", ".join(str(c) for c in candidates))


def case_files() -> list[Path]:
    return [data_dir() / "cases" / f"{category}.json" for category in CATEGORIES]


def load_file(path: Path) -> Case:
    with open(path, encoding="utf-8") as handle:
        document: Case = json.load(handle)
    version = document.get("schema_version")
    if version != SCHEMA_VERSION:
        raise ValueError(f"{path}: schema_version {version!r} is not the supported {SCHEMA_VERSION}")
    return document


def load_schema() -> Case:
    with open(data_dir() / "schema.json", encoding="utf-8") as handle:
        schema: Case = json.load(handle)
    return schema


def load_cases(categories: Iterable[str] | None = None) -> list[Case]:
    """Every case of the chosen categories (all by default), each with its ``category``."""
    chosen = list(CATEGORIES) if not categories else list(categories)
    unknown = [c for c in chosen if c not in CATEGORIES]
    if unknown:
        raise ValueError(f"unknown categories {unknown}; the categories are {list(CATEGORIES)}")
    cases = []
    for category in CATEGORIES:
        if category not in chosen:
            continue
        document = load_file(data_dir() / "cases" / f"{category}.json")
        for case in document["cases"]:
            cases.append({**case, "category": category})
    return cases
