#!/usr/bin/env python3
"""Mutation testing of the package's Python layers: how many small, deliberate
bugs does the test suite catch?

    python tests/mutation/mutate.py [--modules arguments formats ...] [--limit N] [--seed S]

Each mutant changes one thing in one module of the *installed* package (copied
to a scratch directory that comes first on PYTHONPATH): a comparison flipped
(< to <=, == to !=), an arithmetic operator swapped (+ to -, * to //), an
integer constant moved by one, ``and``/``or`` exchanged, a ``not`` dropped, a
``return x`` turned into ``return None``. The tests then run against the mutant
(stopping at the first failure, with a time limit); a mutant is *killed* when
they fail, and *survives* when they pass. Mutations are drawn in a fixed order
from the seed, so a run can be repeated; the report lists every survivor with
its line, for a human to judge (some are equivalent programs, not gaps).
"""

from __future__ import annotations

import argparse
import ast
import os
import pathlib
import random
import shutil
import subprocess
import sys
import tempfile
import time

TESTS = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_MODULES = ["arguments", "arrays", "formats", "functional", "layer", "initializers", "options"]
# The tests that exercise these modules (the GPU, benchmark and fuzz-corpus
# tests add time, not coverage of them).
DEFAULT_TESTS = [
    "test_functional.py",
    "test_layer.py",
    "test_options.py",
    "test_initializers.py",
    "test_display.py",
    "test_array_inputs.py",
    "test_bad_inputs.py",
    "test_conformance.py",
    "test_limits.py",
    "test_nonfinite.py",
    "test_determinism.py",
    "test_processes.py",
]

SWAPS = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.FloorDiv,
    ast.FloorDiv: ast.Mult,
    ast.And: ast.Or,
    ast.Or: ast.And,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}


def mutation_points(tree: ast.AST) -> list[tuple[int, str]]:
    """(index in ast.walk order, description) of every place a mutation applies."""
    points = []
    for index, node in enumerate(ast.walk(tree)):
        if isinstance(node, (ast.Compare,)) and type(node.ops[0]) in SWAPS:
            points.append(
                (index, f"line {node.lineno}: {type(node.ops[0]).__name__} -> {SWAPS[type(node.ops[0])].__name__}")
            )
        elif isinstance(node, (ast.BinOp, ast.BoolOp)) and type(node.op) in SWAPS:
            points.append((index, f"line {node.lineno}: {type(node.op).__name__} -> {SWAPS[type(node.op)].__name__}"))
        elif isinstance(node, ast.Constant) and type(node.value) is int and abs(node.value) < 2**20:
            points.append((index, f"line {node.lineno}: constant {node.value} -> {node.value + 1}"))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            points.append((index, f"line {node.lineno}: 'not' dropped"))
        elif (
            isinstance(node, ast.Return)
            and node.value is not None
            and not (isinstance(node.value, ast.Constant) and node.value.value is None)
        ):
            points.append((index, f"line {node.lineno}: return None"))
    return points


class _Mutate(ast.NodeTransformer):
    """Applies the mutation at one index of ast.walk's order."""

    def __init__(self, tree: ast.AST, target: int):
        self.node = next(node for i, node in enumerate(ast.walk(tree)) if i == target)

    def visit(self, node: ast.AST) -> ast.AST:
        if node is not self.node:
            return self.generic_visit(node)
        if isinstance(node, ast.Compare):
            node.ops[0] = SWAPS[type(node.ops[0])]()
        elif isinstance(node, (ast.BinOp, ast.BoolOp)):
            node.op = SWAPS[type(node.op)]()
        elif isinstance(node, ast.Constant):
            node.value += 1
        elif isinstance(node, ast.UnaryOp):
            return node.operand  # the 'not' dropped
        elif isinstance(node, ast.Return):
            node.value = ast.Constant(None)
        return node


def mutated_source(source: str, index: int) -> str:
    tree = ast.parse(source)
    return ast.unparse(ast.fix_missing_locations(_Mutate(tree, index).visit(tree)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modules", nargs="+", default=DEFAULT_MODULES)
    parser.add_argument("--limit", type=int, default=60, help="mutants to run (drawn evenly over the modules)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=int, default=600, help="seconds per mutant's test run")
    args = parser.parse_args()

    import tconv1d  # the installed package, with its compiled core

    installed = pathlib.Path(tconv1d.__file__).parent
    candidates = []
    for module in args.modules:
        source = (installed / f"{module}.py").read_text(encoding="utf-8")
        for index, description in mutation_points(ast.parse(source)):
            candidates.append((module, index, description))
    random.Random(args.seed).shuffle(candidates)
    chosen = candidates[: args.limit]
    print(f"{len(candidates)} mutation points in {len(args.modules)} modules; running {len(chosen)}", flush=True)

    killed, survived, started = 0, [], time.time()
    with tempfile.TemporaryDirectory() as scratch:
        package = pathlib.Path(scratch) / "tconv1d"
        shutil.copytree(installed, package)
        env = {**os.environ, "PYTHONPATH": scratch + os.pathsep + os.environ.get("PYTHONPATH", "")}
        for number, (module, index, description) in enumerate(chosen, 1):
            original = (installed / f"{module}.py").read_text(encoding="utf-8")
            mutant = mutated_source(original, index)
            (package / f"{module}.py").write_text(mutant, encoding="utf-8")
            try:
                result = subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "pytest",
                        "-x",
                        "-q",
                        "-p",
                        "no:cacheprovider",
                        *[str(TESTS / t) for t in DEFAULT_TESTS],
                    ],
                    cwd=TESTS.parent,
                    env=env,
                    capture_output=True,
                    text=True,
                    timeout=args.timeout,
                )
                caught = result.returncode != 0
            except subprocess.TimeoutExpired:
                caught = True  # a hang is caught too
            finally:
                (package / f"{module}.py").write_text(original, encoding="utf-8")
            if caught:
                killed += 1
            else:
                survived.append(f"{module}.py {description}")
            print(
                f"[{number}/{len(chosen)}] {module}.py {description}: {'killed' if caught else 'SURVIVED'}", flush=True
            )
    total = killed + len(survived)
    print(
        f"\nmutation score: {killed}/{total} killed ({100 * killed / max(total, 1):.0f}%) "
        f"in {time.time() - started:.0f} s"
    )
    for line in survived:
        print("survived:", line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
