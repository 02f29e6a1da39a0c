"""``tconv1d bench`` on a one-shape suite: the table and the JSON carry a row
per (dtype, pass), FLOPs follow 2*B*L*C_in*C_out*F, and bad options are refused."""

from __future__ import annotations

import collections
import itertools
import json

import pytest

import tconv1d
from tconv1d import cli

# Which CPU kernel body or strategy runs does not change these tests' outcome.
pytestmark = pytest.mark.body_independent

SUITE = {
    "shapes": [
        {
            "name": "small",
            "batch": 2,
            "in_channels": 3,
            "num_filters": 5,
            "filter_size": 4,
            "stride": 2,
            "length": 16,
            "cropping": "same",
        }
    ]
}


def test_bench_runs_and_writes_json(tmp_path, capsys):
    shapes = tmp_path / "shapes.json"
    shapes.write_text(json.dumps(SUITE))
    out = tmp_path / "bench.json"
    status = cli.main(["bench", "--shapes", str(shapes), "--against", "none", "--repeat", "2", "--json", str(out)])
    assert status == 0
    table = capsys.readouterr().out
    assert "SGEMM peak" in table and "small" in table and "forward+backward" in table
    record = json.loads(out.read_text())
    rows = {(r["dtype"], r["pass"]): r for r in record["rows"]}
    assert set(rows) == {(d, p) for d in ("float32", "float64") for p in ("forward", "forward+backward")}
    assert rows[("float32", "forward")]["flops"] == 2 * 2 * 16 * 3 * 5 * 4
    assert rows[("float64", "forward+backward")]["flops"] == 3 * 2 * 2 * 16 * 3 * 5 * 4
    assert all(r["ms"]["tconv1d"] > 0 for r in record["rows"])
    # The SGEMM peak is measured before each shape and dtype (one figure for
    # its forward and fwd+bwd rows), reported as their median; it is not an
    # implementation of the layer.
    assert all(r["sgemm_gflops"] > 0 and "sgemm" not in r["ms"] for r in record["rows"])
    for dtype in ("float32", "float64"):
        assert rows[(dtype, "forward")]["sgemm_gflops"] == rows[(dtype, "forward+backward")]["sgemm_gflops"]
    peaks = sorted(r["sgemm_gflops"] for r in record["rows"])
    assert record["sgemm_peak_gflops"] == pytest.approx((peaks[1] + peaks[2]) / 2)
    # on the run's thread count where threadpoolctl can hold numpy's BLAS to it
    assert record["sgemm_threads"] in (None, record["threads"])


def test_bench_table_compares_each_row_with_its_own_sgemm_figure():
    from tconv1d import bench

    # 1 GFLOP in 10 ms = 100 GFLOP/s, against SGEMM figures of 200 and 125.
    rows = [
        bench.Row("a", "float32", "forward", 1e9, {"tconv1d": 10.0, "torch": 20.0}, 200.0),
        bench.Row("b", "float64", "forward", 1e9, {"tconv1d": 10.0, "torch": 5.0}, 125.0),
    ]
    lines = bench.format_table(rows, ["torch"]).splitlines()
    cells = {line.split()[0]: line.split() for line in lines[2:]}
    assert cells["a"][4:8] == ["100.0", "50%", "20.000", "2.00x"]
    assert cells["b"][4:8] == ["100.0", "80%", "5.000", "0.50x"]


def test_sweep_draws_every_family_reproducibly_within_the_caps():
    from tconv1d import sweep

    first, again = sweep.draw(21, 7), sweep.draw(21, 7)
    assert first == again and first != sweep.draw(21, 8)
    assert {name.rsplit("-", 1)[0] for name, _ in first} == set(sweep.FAMILIES)
    for name, shape in first:
        batch, channels, filters, filter_size, stride, length, cropping = shape
        flops = 2.0 * batch * length * channels * filters * filter_size
        assert flops <= sweep.MAX_FLOPS, name
        assert tconv1d.output_length(length, filter_size, stride, cropping) >= 1
        family = name.rsplit("-", 1)[0]
        if family == "latent":
            assert length <= 4
        if family == "long_thin":
            assert batch == 1 and length >= 16384
        if family == "one_channel":
            assert 1 in (channels, filters)
        if family == "filter_shorter":
            assert filter_size < stride
        if family == "vocoder":
            assert filter_size == 2 * stride


def test_bench_runs_a_sweep_and_named_shapes(tmp_path, capsys):
    out = tmp_path / "sweep.json"
    assert (
        cli.main(
            [
                "bench",
                "--sweep",
                "2",
                "--seed",
                "3",
                "--against",
                "none",
                "--repeat",
                "1",
                "--dtype",
                "float64",
                "--json",
                str(out),
            ]
        )
        == 0
    )
    record = json.loads(out.read_text())
    assert len(record["rows"]) == 4
    assert "[2/2]" in capsys.readouterr().err  # one progress line per shape
    assert cli.main(["bench", "--shapes", "tiny", "--against", "none", "--repeat", "1", "--dtype", "float32"]) == 0
    assert cli.main(["bench", "--shapes", "tiny,bogus", "--against", "none"]) == 2
    assert "bogus" in capsys.readouterr().err


def test_bench_stream_measures_the_stream_against_the_whole_signal(tmp_path, capsys):
    out = tmp_path / "stream.json"
    argv = ["bench", "--stream", "16", "--shapes", "tiny,doc-example", "--repeat", "1", "--dtype", "float32"]
    assert cli.main([*argv, "--json", str(out)]) == 0
    table = capsys.readouterr().out
    assert "per push" in table and "tiny" in table and "doc-example" in table
    rows = json.loads(out.read_text())["stream"]
    assert [r["shape"] for r in rows] == ["tiny", "doc-example"]
    for row in rows:
        assert row["length"] == 8 * 16 == 128 or row["length"] == 256  # 8 chunks, at least the shape's length
        assert row["whole_ms"] > 0 and row["stream_ms"] > 0 and row["push_ms"] > 0
        assert row["max_relative_difference"] < 1e-5  # the streamed result was checked
    # Options that do not go with --stream are refused before any work.
    assert cli.main(["bench", "--stream-length", "64"]) == 2
    assert cli.main(["bench", "--stream", "16", "--plot", str(tmp_path / "p.png")]) == 2
    with pytest.raises(SystemExit) as exit_info:  # argparse's own refusal of the value
        cli.main(["bench", "--stream", "0"])
    assert exit_info.value.code == 2


def test_interleaved_calls_take_every_order_in_turn():
    # The rounds run the implementations in every order in turn: within a
    # cycle of rounds each runs right after every other equally often.
    from tconv1d import bench

    ran: list[str] = []
    calls = {name: (lambda name=name: ran.append(name)) for name in ("a", "b", "c")}
    medians = bench.interleaved_medians(calls, repeat=6, warmup=1)
    assert set(medians) == {"a", "b", "c"} and all(ms >= 0.0 for ms in medians.values())
    rounds = [tuple(ran[i : i + 3]) for i in range(3, 21, 3)]  # after one warm-up call each
    assert sorted(rounds) == sorted(itertools.permutations("abc"))
    after = collections.Counter((r[i], r[i + 1]) for r in rounds for i in range(2))
    assert len(after) == 6 and set(after.values()) == {2}


def _blas_pools() -> dict[str, int]:
    """Each loaded BLAS's thread pool size, by library file (threadpoolctl)."""
    from threadpoolctl import threadpool_info

    return {lib["filepath"]: lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}


class _Recorder:
    """Stands for the SGEMM's left matrix: records the BLAS's pool size at
    each product, then multiplies."""

    def __init__(self, matrix, pools):
        self.matrix, self.pools = matrix, pools

    def __matmul__(self, other):
        self.pools.append(_blas_pools())
        return self.matrix @ other


def test_sgemm_reading_runs_on_the_runs_thread_count():
    # numpy's BLAS sizes its pool from the machine's cores; the reading holds
    # it to the run's threads (a 1-thread run read against every core before)
    # and gives it back afterwards.
    pytest.importorskip("threadpoolctl")
    from tconv1d import bench

    before = _blas_pools()
    if not before:
        pytest.skip("threadpoolctl finds no BLAS under numpy")
    wanted = 3 if max(before.values()) != 3 else 2  # not the pool's own size
    pools: list[dict[str, int]] = []
    peak = bench.SgemmPeak(wanted, n=64)
    peak.a = _Recorder(peak.a, pools)
    assert peak.measure() > 0
    assert len(pools) == 1 + bench.SGEMM_CALLS  # the warm-up too
    assert all(pool == dict.fromkeys(before, wanted) for pool in pools), pools
    assert _blas_pools() == before
    assert peak.threads == wanted and f"{wanted} threads," in peak.describe()


def test_sgemm_reading_without_threadpoolctl_says_so(tmp_path, monkeypatch, capsys):
    import sys

    monkeypatch.setitem(sys.modules, "threadpoolctl", None)  # import fails
    shapes = tmp_path / "shapes.json"
    shapes.write_text(json.dumps(SUITE))
    out = tmp_path / "bench.json"
    argv = ["bench", "--shapes", str(shapes), "--against", "none", "--repeat", "1", "--dtype", "float32"]
    assert cli.main([*argv, "--threads", "1", "--json", str(out)]) == 0
    assert "the BLAS's own threads" in capsys.readouterr().out
    assert json.loads(out.read_text())["sgemm_threads"] is None
