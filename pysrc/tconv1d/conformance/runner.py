"""``tconv1d conformance``: validate an implementation against the documented behaviour.

    tconv1d conformance [--impl NAME|MODULE ...] [--only CATEGORY ...] [--json FILE] [--junit-xml FILE]
                    [--report FILE.md|FILE.html] [--allow-skips] [--verbose]

Prints a progress bar (on a terminal), a table per category, every failing case
with its requirement, inputs and max error, and a last line
``N passed, M failed, K skipped``. Exit status 0 only when nothing failed.
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import TextIO

from ..cli_args import writable_file
from . import checks
from .adapters import adapter_name, load_adapter
from .cases import CATEGORIES, Case, load_cases
from .checks import FAILED, PASSED, SKIPPED, Result, run_case
from .report import write_report


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--impl",
        nargs="+",
        default=["tconv1d"],
        metavar="NAME|MODULE",
        help="implementation(s) under test: tconv1d (default), torch, onnxruntime, keras, cuda, "
        "or an importable module / .py file offering the tconv1d functions; several run one after another",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=CATEGORIES,
        metavar="CATEGORY",
        help="run only these categories: " + ", ".join(CATEGORIES),
    )
    parser.add_argument("--json", metavar="FILE", type=writable_file, help="write every result as JSON")
    parser.add_argument("--junit-xml", metavar="FILE", type=writable_file, help="write a JUnit XML report")
    parser.add_argument(
        "--report",
        metavar="FILE",
        type=writable_file,
        help="write a per-requirement report, implementations side by side (.md markdown, .html HTML)",
    )
    parser.add_argument("--verbose", "-v", action="store_true", help="list skipped cases too")
    parser.add_argument(
        "--allow-skips",
        action="store_true",
        help="exit 0 even when every case was skipped (by default a run that checked nothing fails)",
    )


class Progress:
    """A one-line bar on a terminal; elsewhere one line per finished category."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream: TextIO = sys.stderr if stream is None else stream  # the current one (tests replace it)
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.category: str | None = None
        self.counts: collections.Counter[str] = collections.Counter()

    def __call__(self, done: int, total: int, case: Case, status: str) -> None:
        category = case["category"]
        if not self.tty and self.category not in (None, category):
            self._category_line()
        if self.category != category:
            self.counts.clear()
        self.category = category
        self.counts[status] += 1
        if self.tty:
            width = 30
            filled = int(width * done / total)
            self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {category:<13}")
            if done == total:
                self.stream.write("\r" + " " * (width + 40) + "\r")
            self.stream.flush()
        elif done == total:
            self._category_line()

    def _category_line(self) -> None:
        counts = self.counts
        self.stream.write(
            f"{self.category}: {counts[PASSED]} passed, {counts[FAILED]} failed, {counts[SKIPPED]} skipped\n"
        )
        self.stream.flush()


def table(results: Sequence[Result]) -> str:
    by_category: dict[str, collections.Counter[str]] = {c: collections.Counter() for c in CATEGORIES}
    for result in results:
        by_category[result.category][result.status] += 1
    lines = [f"{'category':<14}{'passed':>8}{'failed':>8}{'skipped':>9}", "-" * 39]
    for category, counts in by_category.items():
        if sum(counts.values()):
            lines.append(f"{category:<14}{counts[PASSED]:>8}{counts[FAILED]:>8}{counts[SKIPPED]:>9}")
    return "\n".join(lines)


def failure_report(results: Sequence[Result]) -> str:
    lines = []
    for result in results:
        if result.status != FAILED:
            continue
        error = "" if result.max_error is None else f"  max error: {result.max_error:.3g}\n"
        lines.append(f"FAILED {result.id}  [{result.spec}]\n  {result.message}\n{error}  inputs: {result.inputs}")
    return "\n".join(lines)


def skip_summary(results: Sequence[Result]) -> str:
    reasons = collections.Counter((r.category, r.message) for r in results if r.status == SKIPPED)
    return "\n".join(f"skipped {count:>4} {category}: {reason}" for (category, reason), count in reasons.most_common())


def summary_line(results: Sequence[Result]) -> str:
    counts = collections.Counter(r.status for r in results)
    return f"{counts[PASSED]} passed, {counts[FAILED]} failed, {counts[SKIPPED]} skipped"


def write_json(path: str, implementation: str, results: Sequence[Result], seconds: float) -> None:
    counts = collections.Counter(r.status for r in results)
    document = {
        "implementation": implementation,
        "summary": {"passed": counts[PASSED], "failed": counts[FAILED], "skipped": counts[SKIPPED], "seconds": seconds},
        "results": [r.as_dict() for r in results],
    }
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=1)


def write_junit(path: str, implementation: str, results: Sequence[Result]) -> None:
    suites = ET.Element("testsuites", name=f"tconv1d conformance ({implementation})")
    for category in CATEGORIES:
        members = [r for r in results if r.category == category]
        if not members:
            continue
        counts = collections.Counter(r.status for r in members)
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=category,
            tests=str(len(members)),
            failures=str(counts[FAILED]),
            skipped=str(counts[SKIPPED]),
            errors="0",
            time=f"{sum(r.seconds for r in members):.3f}",
        )
        for r in members:
            case = ET.SubElement(
                suite, "testcase", classname=f"conformance.{category}", name=r.id, time=f"{r.seconds:.4f}"
            )
            if r.status == FAILED:
                failure = ET.SubElement(case, "failure", message=f"[{r.spec}] {r.message}"[:500])
                failure.text = f"requirement: {r.spec}\n{r.message}\nmax error: {r.max_error}\ninputs: {r.inputs}"
            elif r.status == SKIPPED:
                ET.SubElement(case, "skipped", message=r.message)
    ET.ElementTree(suites).write(path, encoding="utf-8", xml_declaration=True)


def run(args: argparse.Namespace) -> int:
    names = [args.impl] if isinstance(args.impl, str) else list(args.impl)
    if len(names) > 1 and (args.json or args.junit_xml):
        print("tconv1d conformance: error: --json and --junit-xml take one --impl (use --report)", file=sys.stderr)
        return 2
    runs: list[tuple[str, list[Result]]] = []
    status = 0
    for number, impl in enumerate(names):
        if number:
            print()
        outcome = _run_one(impl, args)
        if isinstance(outcome, int):
            return outcome
        name, results, impl_status = outcome
        runs.append((name, results))
        # A failure anywhere is 1; otherwise an implementation that checked nothing is 3.
        status = 1 if 1 in (status, impl_status) else max(status, impl_status)
    if getattr(args, "report", None):
        write_report(args.report, runs)
    all_results = [r for _, results in runs for r in results]
    if len(runs) > 1:
        print()
        for name, results in runs:
            print(f"{name}: {summary_line(results)}")
    print(summary_line(all_results))
    return status


def _run_one(impl: str, args: argparse.Namespace) -> tuple[str, list[Result], int] | int:
    """One implementation: its table, failures, skips and exit status (or 2 when it cannot load)."""
    try:
        adapter = load_adapter(impl)
    except Exception as error:  # noqa: BLE001 - a user's module failing to import is reported, not a traceback
        print(
            f"tconv1d conformance: error: cannot load implementation {impl!r}: {type(error).__name__}: {error}",
            file=sys.stderr,
        )
        return 2
    name = adapter_name(adapter)
    cases = load_cases(args.only)
    unavailable = getattr(adapter, "UNAVAILABLE", None)
    print(
        f"tconv1d conformance: {len(cases)} cases against {name}"
        + (f" (unavailable: {unavailable})" if unavailable else "")
    )
    progress = Progress()
    checks.DERIVED.clear()
    start = time.perf_counter()
    results = []
    for index, case in enumerate(cases):
        result = run_case(case, adapter)
        results.append(result)
        progress(index + 1, len(cases), case, result.status)
    seconds = time.perf_counter() - start
    print(table(results))
    failures = failure_report(results)
    if failures:
        print()
        print(failures)
    if getattr(args, "verbose", False) or any(r.status == SKIPPED for r in results):
        skipped = skip_summary(results)
        if skipped:
            print()
            print(skipped)
    if args.json:
        write_json(args.json, name, results, seconds)
    if args.junit_xml:
        write_junit(args.junit_xml, name, results)
    for note in sorted(checks.DERIVED):
        print(f"derived for {name}: {note}")
    print(f"({seconds:.1f} s)")
    if any(r.status == FAILED for r in results):
        return name, results, 1
    if all(r.status == SKIPPED for r in results) and not getattr(args, "allow_skips", False):
        # A gate that checked nothing must not pass (an unavailable GPU, an
        # adapter that implements none of the protocol, a filter that matched nothing).
        print(
            f"tconv1d conformance: nothing was checked against {name}: every case was skipped"
            + (f" ({unavailable})" if unavailable else "")
            + "; exit status 3 (--allow-skips accepts this)",
            file=sys.stderr,
        )
        return name, results, 3
    return name, results, 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tconv1d conformance", description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
