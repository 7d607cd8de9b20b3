"""Smoke test of `make bench` at a very small scale: the real stages, the table, results.json.

No timing is asserted: only that every stage was measured, the figures are positive, and the
hand-written progress gave dbt's answers.
"""

from __future__ import annotations

import json

import pytest

from benchmarks.__main__ import main

STAGES = {"ingest", "dbt build", "progress", "progress (cli)", "checks", "publish", "export", "portal"}
WITH_ALTERNATIVE = STAGES - {"dbt build", "publish"}


@pytest.mark.slow
def test_bench_at_a_hundredth(tmp_path, capsys):
    out = tmp_path / "results.json"
    code = main(
        ["--scales", "0.01", "--ingest-files", "3", "--keep", str(tmp_path / "work"), "--out", str(out)]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "== stages" in printed and "== goals ==" in printed

    results = json.loads(out.read_text(encoding="utf-8"))
    rows = results["rows"]
    assert {r["stage"] for r in rows} == STAGES
    for row in rows:
        assert row["ours_s"] > 0, row
        if row["stage"] != "progress":  # the progress row's dbt time comes from the build's node times
            assert row["ours_peak_mb"] > 0, row
        if row["stage"] in WITH_ALTERNATIVE:
            assert row["alt_s"] > 0 and row["alt_peak_mb"] > 0 and row["ratio"] > 0, row
    (detail,) = results["scale_details"]
    assert detail["counts"]["submission_values"] == 74 * 120 + 34 * 120  # 1 unit + GZ rows
    assert detail["progress_equal"]["equal"] == 1 and detail["progress_equal"]["rows"] > 0
    assert detail["steps"]["build"]["ok"]
    soda, sql = detail["steps"]["checks"], detail["steps"]["checks_sql"]
    assert soda["checks"] == sql["checks"] and soda["counts"] == sql["counts"]
    portal = detail["steps"]["portal"]
    assert (
        portal["pages"] == 2 + 74 + 28
        and "same HTML: yes" in next(r for r in rows if r["stage"] == "portal")["note"]
    )
    ingest = next(r for r in rows if r["stage"] == "ingest")
    assert ingest["data"] == 3
