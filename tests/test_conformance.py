"""The conformance cases under pytest: one test per case id, against this package,
plus schema validation of every case file.

Layer cases (properties, initializers) also run against a small correct layer
written for the tests (``mutants/_correct_layer.py``), so their data is proven
consistent even before the package's own layer exists; against the package they
skip while ``tconv1d.transposed_conv1d_layer`` is absent.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys

import pytest
from mutants import _correct_layer

import tconv1d
from tconv1d.conformance import cases as case_files
from tconv1d.conformance.checks import FAILED, SKIPPED, run_case

jsonschema = pytest.importorskip("jsonschema")

ALL_CASES = case_files.load_cases()
LAYER_CATEGORIES = ("properties", "initializers")


def _judge(result):
    if result.status == FAILED:
        pytest.fail(f"[{result.spec}] {result.message}\ninputs: {result.inputs}", pytrace=False)
    if result.status == SKIPPED:
        pytest.skip(result.message)


@pytest.mark.parametrize("case", ALL_CASES, ids=[c["id"] for c in ALL_CASES])
def test_case(case):
    _judge(run_case(case, tconv1d))


LAYER_CASES = [c for c in ALL_CASES if c["category"] in LAYER_CATEGORIES]


@pytest.mark.parametrize("case", LAYER_CASES, ids=[c["id"] for c in LAYER_CASES])
def test_layer_case_on_correct_layer(case):
    _judge(run_case(case, _correct_layer))


def test_case_ids_are_unique_and_name_their_category():
    ids = [c["id"] for c in ALL_CASES]
    assert len(ids) == len(set(ids))
    for case in ALL_CASES:
        assert case["id"].startswith(case["category"] + "/"), case["id"]
    assert {c["category"] for c in ALL_CASES} == set(case_files.CATEGORIES)


def test_onnx_published_case_is_present():
    """ONNX's test_convtranspose_1d, mapped to this layout: X=[0,1,2], W=ones -> Y=[0,1,3,3,2]."""
    case = next(c for c in ALL_CASES if c["id"] == "numerics/onnx-test-convtranspose-1d")
    assert case["x"]["values"] == [[[0, 1, 2]]] and case["expect"]["values"]["values"] == [[[0, 1, 3, 3, 2]]]


@pytest.fixture(scope="module")
def validator():
    schema = case_files.load_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("path", case_files.case_files(), ids=lambda p: p.name)
def test_case_file_matches_schema(path, validator):
    document = case_files.load_file(path)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message[:200]}" for e in errors[:5])
    assert document["category"] == path.stem


def test_schema_rejects_broken_cases(validator):
    document = case_files.load_file(case_files.data_dir() / "cases" / "numerics.json")
    for breakage in (
        lambda c: c.pop("spec"),
        lambda c: c.update(spec="3.1"),
        lambda c: c.update(kind="bogus"),
        lambda c: c.pop("expect"),
        lambda c: c["x"].update(dtype="float128"),
    ):
        broken = copy.deepcopy(document)
        breakage(broken["cases"][0])
        assert list(validator.iter_errors(broken)), "a broken case passed the schema"
    broken = copy.deepcopy(document)
    broken["schema_version"] = 2
    assert list(validator.iter_errors(broken))


def test_generator_reproduces_the_frozen_cases(tmp_path):
    """The committed case files are exactly what generate_cases.py writes (source checkout only)."""
    script = case_files.data_dir() / "generate_cases.py"
    if not script.exists():
        pytest.skip("generate_cases.py is not shipped with this installation")
    subprocess.run([sys.executable, str(script), str(tmp_path)], check=True, capture_output=True)
    for path in case_files.case_files():
        assert (tmp_path / path.name).read_text(encoding="utf-8") == path.read_text(encoding="utf-8"), path.name


def test_cli_reports_and_exit_status(tmp_path):
    """The command's last line, its JSON and JUnit reports, and its exit status."""
    report, junit = tmp_path / "r.json", tmp_path / "r.xml"
    env = dict(os.environ)
    tests_dir = os.path.dirname(os.path.abspath(__file__))
    env["PYTHONPATH"] = tests_dir + os.pathsep + env.get("PYTHONPATH", "")
    command = [
        sys.executable,
        "-m",
        "tconv1d.cli",
        "conformance",
        "--only",
        "cropping",
        "properties",
        "--json",
        str(report),
        "--junit-xml",
        str(junit),
    ]
    good = subprocess.run(
        [*command, "--impl", "mutants._correct_layer"], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert good.returncode == 0, good.stdout + good.stderr
    count = len(case_files.load_cases(["cropping", "properties"]))
    assert good.stdout.strip().splitlines()[-1] == f"{count} passed, 0 failed, 0 skipped"
    data = json.loads(report.read_text())
    assert data["summary"]["passed"] == count and {r["status"] for r in data["results"]} == {"passed"}
    assert "<testsuite" in junit.read_text()
    bad = subprocess.run(
        [*command, "--impl", "mutants.same_extra_crop_left"], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert bad.returncode == 1
    assert "FAILED cropping/values/L4-F4-S1-same  [R2.3]" in bad.stdout
    assert bad.stdout.strip().splitlines()[-1].endswith("failed, 0 skipped")
    assert "<failure" in junit.read_text()


def test_implementation_from_a_file_path(tmp_path):
    """--impl accepts a .py file; what it lacks is skipped, never passed."""
    from tconv1d.conformance.adapters import load_adapter

    path = tmp_path / "only_length.py"
    path.write_text("import tconv1d\noutput_length = tconv1d.output_length\n")
    adapter = load_adapter(str(path))
    by_kind = {}
    for case in ALL_CASES:
        by_kind.setdefault(case["kind"], case)
    assert run_case(by_kind["output_length_grid"], adapter).status == "passed"
    for kind in ("forward", "backward", "layer", "layer_initializer"):
        result = run_case(by_kind[kind], adapter)
        assert result.status == SKIPPED and result.message.startswith("not implemented"), (kind, result)


def test_cuda_adapter_is_skipped_cleanly_or_runs():
    from tconv1d.conformance.adapters import load_adapter

    adapter = load_adapter("cuda")
    result = run_case(next(c for c in ALL_CASES if c["kind"] == "forward"), adapter)
    if adapter.UNAVAILABLE:
        assert result.status == SKIPPED and "unavailable" in result.message
    else:
        assert result.status != FAILED, result.message


def test_a_run_that_checked_nothing_fails_unless_skips_are_allowed(tmp_path, capsys):
    """Every case skipped (here: an adapter offering none of the protocol) is exit
    status 3 with the reason on stderr; --allow-skips makes it 0. The summary line
    still reads 'N passed, N failed, N skipped'."""
    from tconv1d.conformance.runner import main

    empty = tmp_path / "nothing_impl.py"
    empty.write_text('NAME = "nothing"\n', encoding="utf-8")
    assert main(["--impl", str(empty), "--only", "cropping"]) == 3
    captured = capsys.readouterr()
    assert "nothing was checked against nothing" in captured.err
    assert captured.out.rstrip().splitlines()[-1].endswith("0 passed, 0 failed, 31 skipped")
    assert main(["--impl", str(empty), "--only", "cropping", "--allow-skips"]) == 0


def test_a_report_puts_implementations_side_by_side_per_requirement(tmp_path, capsys):
    """--report FILE (.md or .html): one row per requirement, a column per --impl, then
    each implementation's failures; several --impl run one after another."""
    from tconv1d.conformance.runner import main

    wrong = tmp_path / "wrong_impl.py"
    wrong.write_text(
        'import tconv1d\nNAME = "wrong"\n'
        "def output_length(length, filter_size, stride=1, cropping=0):\n"
        "    return tconv1d.output_length(length, filter_size, stride, cropping) + 1\n",
        encoding="utf-8",
    )
    markdown = tmp_path / "report.md"
    assert main(["--impl", "tconv1d", str(wrong), "--only", "output_size", "--report", str(markdown)]) == 1
    lines = capsys.readouterr().out.rstrip().splitlines()
    output_size_cases = len([c for c in ALL_CASES if c["category"] == "output_size"])
    assert lines[-3] == f"tconv1d: {output_size_cases} passed, 0 failed, 0 skipped"
    assert lines[-2].startswith("wrong: ") and re.fullmatch(r"\d+ passed, \d+ failed, 0 skipped", lines[-1])
    text = markdown.read_text(encoding="utf-8")
    assert "| requirement | tconv1d | wrong |" in text
    row = text.split("| R2.2 |")[1].splitlines()[0]
    assert row.split("|")[0].strip().endswith("passed") and "failed" in row.split("|")[1]
    assert "## Failures of wrong (" in text and "## Failures of tconv1d" not in text
    page = tmp_path / "report.html"
    assert main(["--impl", "tconv1d", "--only", "cropping", "--report", str(page)]) == 0
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert main(["--impl", "tconv1d", str(wrong), "--json", str(tmp_path / "r.json")]) == 2
