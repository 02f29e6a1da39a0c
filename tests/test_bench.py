"""``tconv1d bench`` on a one-shape suite: the table and the JSON carry a row
per (dtype, pass), FLOPs follow 2*B*L*C_in*C_out*F, and bad options are refused."""

from __future__ import annotations

import json

from tconv1d import cli

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
    assert record["sgemm_peak_gflops"] > 0
