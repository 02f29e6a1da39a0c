"""The package's modules import each other in layers: no import cycle (read
statically from the sources, imports inside functions included), so that any
module can be imported first and shared code lives below its users."""

from __future__ import annotations

import ast
import graphlib
import pathlib

from source_tree import needs_source

pytestmark = needs_source

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "pysrc" / "tconv1d"


def _module_name(path: pathlib.Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Module -> the package's modules it imports."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    # Compiled modules (known by their stubs) import nothing of the package.
    modules.update({_module_name(p): p for p in PACKAGE.rglob("*.pyi")})
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        if path.suffix == ".pyi":
            continue
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                wanted = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(anchor + ([node.module] if node.module else []))
                # "from pkg import x": x is a submodule, or a name the package defines
                wanted = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
            else:
                continue
            for target in wanted:
                while target and target not in modules:  # a compiled module or a name: its package
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
    return graph


def test_the_graph_is_read():
    graph = import_graph()
    assert "tconv1d.functional" in graph["tconv1d"]
    assert "tconv1d.arrays" in graph["tconv1d.cuda"]


def test_no_import_cycle():
    try:
        tuple(graphlib.TopologicalSorter(import_graph()).static_order())
    except graphlib.CycleError as error:
        raise AssertionError(f"import cycle: {' -> '.join(error.args[1])}") from None
