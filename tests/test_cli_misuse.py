"""The console command misused: every mistake ends with a one-line message that
names what was wrong and a non-zero exit status, never a traceback (SPEC R7.6).
Each case runs the command in a fresh interpreter, as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

# Which CPU kernel body or strategy runs does not change these tests' outcome.
pytestmark = pytest.mark.body_independent

OK, USAGE = 0, 2


def _files(tmp_path):
    (tmp_path / "truncated.json").write_text('{"shapes": [')
    (tmp_path / "list.json").write_text("[]")
    (tmp_path / "empty.json").write_text('{"shapes": []}')
    (tmp_path / "missing-field.json").write_text('{"shapes": [{"name": "x"}]}')
    shape = {
        "name": "s",
        "batch": 1,
        "in_channels": 2,
        "num_filters": 2,
        "filter_size": 3,
        "stride": 2,
        "length": 4,
        "cropping": 0,
    }
    (tmp_path / "zero-batch.json").write_text(json.dumps({"shapes": [{**shape, "batch": 0}]}))
    (tmp_path / "float-size.json").write_text(json.dumps({"shapes": [{**shape, "length": 2.5}]}))
    (tmp_path / "bad-crop.json").write_text(json.dumps({"shapes": [{**shape, "cropping": [9, 9]}]}))
    (tmp_path / "good.json").write_text(json.dumps({"shapes": [shape]}))
    (tmp_path / "a-directory").mkdir()


# (id, arguments, environment, exit status, words the message must contain)
CASES = [
    ("unknown-command", ["bogus"], {}, USAGE, ["invalid choice", "bogus"]),
    ("info-extra-argument", ["info", "extra"], {}, USAGE, ["unrecognized", "extra"]),
    ("info-bad-isa", ["info"], {"TCONV1D_ISA": "bogus"}, 1, ["TCONV1D_ISA", "bogus"]),
    ("demo-bad-isa", ["demo", "--batch", "1"], {"TCONV1D_ISA": "bogus"}, USAGE, ["TCONV1D_ISA", "bogus"]),
    ("demo-seed-negative", ["demo", "--seed", "-1"], {}, USAGE, ["--seed", "-1"]),
    ("demo-seed-word", ["demo", "--seed", "abc"], {}, USAGE, ["--seed", "abc"]),
    ("demo-batch-zero", ["demo", "--batch", "0"], {}, USAGE, ["--batch", "0"]),
    ("demo-channels-float", ["demo", "--channels", "2.5"], {}, USAGE, ["--channels", "2.5"]),
    ("demo-batch-huge", ["demo", "--batch", "10000000000000"], {}, USAGE, ["input x", "--batch"]),
    ("demo-length-huge", ["demo", "--length", "99999999999999999"], {}, USAGE, ["input x", "--length"]),
    ("demo-dtype", ["demo", "--dtype", "float16"], {}, USAGE, ["--dtype", "float16"]),
    ("demo-repeats-zero", ["demo", "--repeats", "0"], {}, USAGE, ["--repeats", "0"]),
    ("demo-threads-env-absurd", ["demo", "--batch", "1", "--repeats", "1"], {"OMP_NUM_THREADS": "100000"}, OK, []),
    ("bench-threads-negative", ["bench", "--threads", "-1"], {}, USAGE, ["--threads", "-1"]),
    (
        "bench-threads-absurd",
        ["bench", "--threads", "100000", "--against", "none"],
        {},
        USAGE,
        ["num_threads", "100000"],
    ),
    ("bench-threads-word", ["bench", "--threads", "two"], {}, USAGE, ["--threads", "two"]),
    ("bench-repeat-zero", ["bench", "--repeat", "0"], {}, USAGE, ["--repeat", "0"]),
    ("bench-repeat-negative", ["bench", "--repeat", "-5"], {}, USAGE, ["--repeat", "-5"]),
    ("bench-dtype", ["bench", "--dtype", "float16", "--against", "none"], {}, USAGE, ["--dtype", "float16"]),
    ("bench-dtype-empty", ["bench", "--dtype", ",", "--against", "none"], {}, USAGE, ["--dtype"]),
    ("bench-peer", ["bench", "--against", "tensorflow"], {}, USAGE, ["--against", "tensorflow"]),
    ("bench-device", ["bench", "--device", "tpu"], {}, USAGE, ["--device", "tpu"]),
    (
        "bench-shape-name",
        ["bench", "--shapes", "tiny,nosuchshape", "--against", "none"],
        {},
        USAGE,
        ["nosuchshape", "tiny"],
    ),
    ("bench-sweep-zero", ["bench", "--sweep", "0"], {}, USAGE, ["--sweep", "0"]),
    (
        "bench-sweep-and-shapes",
        ["bench", "--sweep", "2", "--shapes", "tiny", "--against", "none"],
        {},
        USAGE,
        ["--sweep", "--shapes"],
    ),
    ("bench-seed-negative", ["bench", "--sweep", "2", "--seed", "-1"], {}, USAGE, ["--seed", "-1"]),
    (
        "bench-shapes-missing",
        ["bench", "--shapes", "{tmp}/missing.json", "--against", "none"],
        {},
        USAGE,
        ["missing.json", "No such file"],
    ),
    (
        "bench-shapes-directory",
        ["bench", "--shapes", "{tmp}/a-directory", "--against", "none"],
        {},
        USAGE,
        ["a-directory"],
    ),
    (
        "bench-shapes-truncated",
        ["bench", "--shapes", "{tmp}/truncated.json", "--against", "none"],
        {},
        USAGE,
        ["truncated.json", "not JSON"],
    ),
    (
        "bench-shapes-list",
        ["bench", "--shapes", "{tmp}/list.json", "--against", "none"],
        {},
        USAGE,
        ["list.json", "shapes"],
    ),
    (
        "bench-shapes-empty",
        ["bench", "--shapes", "{tmp}/empty.json", "--against", "none"],
        {},
        USAGE,
        ["empty.json", "non-empty"],
    ),
    (
        "bench-shapes-field",
        ["bench", "--shapes", "{tmp}/missing-field.json", "--against", "none"],
        {},
        USAGE,
        ["missing-field.json", "fields"],
    ),
    (
        "bench-shapes-zero",
        ["bench", "--shapes", "{tmp}/zero-batch.json", "--against", "none"],
        {},
        USAGE,
        ["positive integers"],
    ),
    (
        "bench-shapes-float",
        ["bench", "--shapes", "{tmp}/float-size.json", "--against", "none"],
        {},
        USAGE,
        ["positive integers"],
    ),
    (
        "bench-shapes-crop",
        ["bench", "--shapes", "{tmp}/bad-crop.json", "--against", "none", "--repeat", "1"],
        {},
        USAGE,
        ["Cropping", "leaves no output"],
    ),
    (
        "bench-json-no-directory",
        ["bench", "--json", "{tmp}/no/such/dir/out.json", "--shapes", "{tmp}/good.json", "--against", "none"],
        {},
        USAGE,
        ["--json", "out.json"],
    ),
    (
        "bench-json-directory",
        ["bench", "--json", "{tmp}/a-directory", "--shapes", "{tmp}/good.json", "--against", "none"],
        {},
        USAGE,
        ["--json", "a-directory"],
    ),
    (
        "bench-plot-no-directory",
        ["bench", "--plot", "{tmp}/no/dir/out.png", "--against", "none"],
        {},
        USAGE,
        ["--plot", "out.png"],
    ),
    (
        "conformance-impl-missing",
        ["conformance", "--impl", "no_such_module_anywhere"],
        {},
        USAGE,
        ["no_such_module_anywhere"],
    ),
    ("conformance-impl-file", ["conformance", "--impl", "{tmp}/missing.py"], {}, USAGE, ["missing.py"]),
    ("conformance-only", ["conformance", "--only", "bogus"], {}, USAGE, ["--only", "bogus"]),
    (
        "conformance-json-no-directory",
        ["conformance", "--json", "{tmp}/no/dir/x.json"],
        {},
        USAGE,
        ["--json", "x.json"],
    ),
    (
        "conformance-junit-directory",
        ["conformance", "--junit-xml", "{tmp}/a-directory"],
        {},
        USAGE,
        ["--junit-xml", "a-directory"],
    ),
]


@pytest.mark.parametrize(("case_id", "arguments", "env", "status", "words"), CASES, ids=[c[0] for c in CASES])
def test_cli_misuse_is_a_message_not_a_traceback(tmp_path, case_id, arguments, env, status, words):
    _files(tmp_path)
    argv = [a.replace("{tmp}", str(tmp_path)) for a in arguments]
    result = subprocess.run(
        [sys.executable, "-m", "tconv1d.cli", *argv],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env={**os.environ, **env},
    )
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output[-3000:]
    assert result.returncode == status, output[-3000:]
    for word in words:
        assert word in result.stderr or word in result.stdout, f"{word!r} not in {output[-2000:]!r}"
    if status == USAGE:
        last = result.stderr.strip().splitlines()[-1]
        assert "error" in last and len(last) < 600, last
