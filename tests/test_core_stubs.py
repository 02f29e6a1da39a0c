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


def _stub_classes() -> dict[str, ast.ClassDef]:
    tree = ast.parse(STUB.read_text(encoding="utf-8"))
    return {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}


def test_the_stub_lists_every_public_name_of_the_binding():
    functions, _ = _stub()
    classes = {name for name in _stub_classes() if not name.startswith("_")}
    public = {name for name in dir(core) if not name.startswith("_")}
    assert set(functions) | classes == public


def test_stream_members_match():
    """The stream classes (one per dtype) share the stub's _Stream: same methods,
    parameters and read-only properties as the binding."""
    base = _stub_classes()["_Stream"]
    methods = {
        node.name: [a.arg for a in node.args.args[1:]]
        for node in base.body
        if isinstance(node, ast.FunctionDef) and not node.decorator_list and node.name != "__init__"
    }
    properties = {node.name for node in base.body if isinstance(node, ast.FunctionDef) and node.decorator_list}
    for kind in (core.StreamFloat32, core.StreamFloat64):
        public = {name for name in dir(kind) if not name.startswith("_")}
        assert public == set(methods) | properties, kind.__name__
        for name, parameters in methods.items():
            assert _binding_parameters(getattr(kind, name)) == ["self", *parameters], name


def test_parameters_match():
    functions, _ = _stub()
    for name, parameters in functions.items():
        assert _binding_parameters(getattr(core, name)) == parameters, name


def test_geometry_attributes_match():
    _, attributes = _stub()
    geometry = core.resolve_geometry(5, 3, 2, False, 1, 0)
    assert attributes == {name for name in dir(geometry) if not name.startswith("_")}
