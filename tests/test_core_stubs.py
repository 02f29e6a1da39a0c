"""The type stubs of the compiled module (pysrc/tconv1d/_core.pyi) describe the
binding as it is: the same public names, the same parameters in the same order,
and the Geometry attributes."""

from __future__ import annotations

import ast
import pathlib
import re

from source_tree import needs_source

import tconv1d._core as core

pytestmark = needs_source

STUB = pathlib.Path(__file__).resolve().parent.parent / "pysrc" / "tconv1d" / "_core.pyi"


def _stub() -> tuple[dict[str, list[str]], set[str]]:
    tree = ast.parse(STUB.read_text(encoding="utf-8"))
    functions = {node.name: [a.arg for a in node.args.args] for node in tree.body if isinstance(node, ast.FunctionDef)}
    geometry = next(node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == "Geometry")
    attributes = {n.target.id for n in geometry.body if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)}
    return functions, attributes


def _binding_parameters(function: object) -> list[str]:
    signature = (function.__doc__ or "").splitlines()[0]  # pybind11 puts the signature first
    inside = signature[signature.index("(") + 1 : signature.rindex(")")]
    return re.findall(r"(\w+):", re.sub(r"\[[^\]]*\]", "", inside))


def test_the_stub_lists_every_public_name_of_the_binding():
    functions, _ = _stub()
    public = {name for name in dir(core) if not name.startswith("_")}
    assert set(functions) | {"Geometry"} == public


def test_parameters_match():
    functions, _ = _stub()
    for name, parameters in functions.items():
        assert _binding_parameters(getattr(core, name)) == parameters, name


def test_geometry_attributes_match():
    _, attributes = _stub()
    geometry = core.resolve_geometry(5, 3, 2, False, 1, 0)
    assert attributes == {name for name in dir(geometry) if not name.startswith("_")}
