"""A report a person reads (``tconv1d conformance --report FILE``): one row per
requirement (R1.1 …), passed / failed / skipped per implementation side by
side, then each implementation's failures with the requirement they break.
Markdown for ``.md`` files, HTML for ``.html``/``.htm``."""

from __future__ import annotations

import collections
import html
import re
from collections.abc import Sequence

from .checks import FAILED, PASSED, SKIPPED, Result

Run = tuple[str, Sequence[Result]]  # (implementation name, its results)


def _requirement_key(spec: str) -> tuple[object, ...]:
    """R2.10 after R2.9: numbers compare as numbers."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", spec))


def _counts(runs: Sequence[Run]) -> tuple[list[str], dict[str, list[collections.Counter[str]]]]:
    specs = sorted({r.spec for _, results in runs for r in results}, key=_requirement_key)
    table = {spec: [collections.Counter[str]() for _ in runs] for spec in specs}
    for column, (_, results) in enumerate(runs):
        for r in results:
            table[r.spec][column][r.status] += 1
    return specs, table


def _cell(counts: collections.Counter[str]) -> str:
    parts = [f"{counts[s]} {s}" for s in (PASSED, FAILED, SKIPPED) if counts[s]]
    return ", ".join(parts) or "—"


def markdown(runs: Sequence[Run]) -> str:
    specs, table = _counts(runs)
    names = [name for name, _ in runs]
    lines = [
        "# tconv1d conformance",
        "",
        "| requirement | " + " | ".join(names) + " |",
        "|---" * (len(names) + 1) + "|",
    ]
    for spec in specs:
        lines.append(f"| {spec} | " + " | ".join(_cell(c) for c in table[spec]) + " |")
    totals = [collections.Counter(r.status for r in results) for _, results in runs]
    lines.append("| **all** | " + " | ".join(f"**{_cell(c)}**" for c in totals) + " |")
    for name, results in runs:
        failed = [r for r in results if r.status == FAILED]
        if failed:
            lines += ["", f"## Failures of {name} ({len(failed)})", ""]
            lines += [f"- `{r.id}` [{r.spec}]: {r.message.splitlines()[0][:300]}" for r in failed]
    return "\n".join(lines) + "\n"


def _html_cell(counts: collections.Counter[str]) -> str:
    colour = "#f8d7da" if counts[FAILED] else "#d4edda" if counts[PASSED] else "#eeeeee"
    return f'<td style="background:{colour}">{html.escape(_cell(counts))}</td>'


def html_page(runs: Sequence[Run]) -> str:
    specs, table = _counts(runs)
    head = "".join(f"<th>{html.escape(name)}</th>" for name, _ in runs)
    rows = [
        f"<tr><th>{html.escape(spec)}</th>" + "".join(_html_cell(c) for c in table[spec]) + "</tr>" for spec in specs
    ]
    totals = [collections.Counter(r.status for r in results) for _, results in runs]
    rows.append("<tr><th>all</th>" + "".join(_html_cell(c) for c in totals) + "</tr>")
    failures = []
    for name, results in runs:
        failed = [r for r in results if r.status == FAILED]
        if failed:
            items = "".join(
                f"<li><code>{html.escape(r.id)}</code> [{html.escape(r.spec)}]: "
                f"{html.escape(r.message.splitlines()[0][:300])}</li>"
                for r in failed
            )
            failures.append(f"<h2>Failures of {html.escape(name)} ({len(failed)})</h2><ul>{items}</ul>")
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>tconv1d conformance</title>'
        "<style>body{font-family:sans-serif}td,th{border:1px solid #999;padding:2px 8px}"
        "table{border-collapse:collapse}</style></head><body><h1>tconv1d conformance</h1>"
        f"<table><tr><th>requirement</th>{head}</tr>{''.join(rows)}</table>{''.join(failures)}</body></html>\n"
    )


def write_report(path: str, runs: Sequence[Run]) -> None:
    text = html_page(runs) if path.lower().endswith((".html", ".htm")) else markdown(runs)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
