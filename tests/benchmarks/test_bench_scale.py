"""The scale generator and the pure parts of the bench (no timing is asserted anywhere)."""

from __future__ import annotations

import pytest

from benchmarks.__main__ import growth, table_lines
from benchmarks.bench_stages import direct_checks, hand_sql, outcome
from benchmarks.scale import UNIT_PREFIX, ScaleSpec, fill
from newinfra import db


def test_spec_counts():
    assert (ScaleSpec(1).units, ScaleSpec(1).projects, ScaleSpec(1).months) == (88, 20_000, 120)
    assert (ScaleSpec(10).units, ScaleSpec(10).projects) == (880, 200_000)
    assert (ScaleSpec(0.001).units, ScaleSpec(0.001).projects) == (1, 20)


def test_fill_small_scale_is_consistent_and_deterministic(settings):
    spec = ScaleSpec(0.02)  # 2 units, 400 projects
    counts = fill(settings, spec)
    non_additive = 34  # ratios, PUE, latency, milestones: their GZ row
    assert counts["submission_values"] == spec.units * 74 * 120 + non_additive * 120
    assert counts["submission_projects"] == spec.projects * 120
    assert counts["project_registry"] == spec.projects
    assert counts["submission_files"] == 14 * 120
    with db.reader(settings) as con:
        units = con.execute(
            f"select count(*) from plan.prefectures where prefecture_code like '{UNIT_PREFIX}%'"
        ).fetchone()[0]
        assert units == spec.units
        # the ledger agrees with the stored rows (the Soda contract ledger_rows_accepted)
        assert con.execute("select sum(rows_accepted) from raw.submission_files").fetchone()[0] == (
            counts["submission_values"] + counts["submission_projects"]
        )
        # cumulative indicators never fall, per unit
        fell = con.execute(
            """
            select count(*) from (
                select value - lag(value) over (partition by v.indicator_id, prefecture_code order by period) as d
                from raw.submission_values as v
                inner join plan.indicators as i on v.indicator_id = i.indicator_id
                where i.kind = 'cumulative'
            ) where d < 0
            """
        ).fetchone()[0]
        assert fell == 0
        first = con.execute(
            "select md5(string_agg(file_id || indicator_id || prefecture_code || value, ',' order by all)) "
            "from raw.submission_values"
        ).fetchone()[0]
    fill(settings, spec)  # again: the same rows, the units not doubled
    with db.reader(settings) as con:
        again = con.execute(
            "select md5(string_agg(file_id || indicator_id || prefecture_code || value, ',' order by all)) "
            "from raw.submission_values"
        ).fetchone()[0]
        units = con.execute(
            f"select count(*) from plan.prefectures where prefecture_code like '{UNIT_PREFIX}%'"
        ).fetchone()[0]
    assert again == first
    assert units == spec.units


def test_hand_written_progress_runs_on_the_raw_rows(settings):
    fill(settings, ScaleSpec(0.01))
    with db.writer(settings) as con:
        con.execute("create schema if not exists bench")
        con.execute(hand_sql())
        rows, statuses = con.execute(
            "select count(*), count(distinct status_code) from bench.hand_progress"
        ).fetchone()
        months = con.execute(
            "select min(period_month), max(period_month) from bench.hand_progress"
        ).fetchone()
    assert rows > 0 and statuses > 1
    assert [m.isoformat() for m in months] == ["2022-01-01", "2024-12-01"]  # from the plan's first month


def test_every_contract_check_has_a_sql_translation():
    queries = direct_checks("2024-06", 0.05)
    assert len(queries) > 100
    assert all(sql.lower().lstrip().startswith("select") for _, _, sql, _ in queries)
    assert not any("${var." in sql for _, _, sql, _ in queries)


@pytest.mark.parametrize(
    ("value", "threshold", "expected"),
    [
        (0, None, "passed"),
        (3, None, "failed"),
        (3, {"must_be": 0, "level": "warn"}, "warned"),
        (5, {"must_be_greater_than": 0}, "passed"),
        (0, {"must_be_greater_than": 0}, "failed"),
        (None, {"must_be": 1}, "failed"),
    ],
)
def test_outcome(value, threshold, expected):
    assert outcome(value, threshold) == expected


def _row(stage, scale, ours, alt):
    return {
        "stage": stage,
        "scale": scale,
        "ours": "o",
        "ours_s": ours,
        "ours_peak_mb": 100.0,
        "alternative": "a",
        "alt_s": alt,
        "alt_peak_mb": 50.0,
        "ratio": ours / alt if alt else None,
    }


def test_growth_compares_time_with_data():
    rows = [_row("a", "1x", 2.0, 1.0), _row("a", "10x", 12.0, 5.0), _row("b", "1x", 2.0, None)]
    rows.append(_row("b", "10x", 8.0, None))
    grown = {g["stage"]: g for g in growth(rows)}
    assert grown["a"]["data_x"] == 10 and grown["a"]["ours_x"] == 6 and grown["a"]["alt_x"] == 5
    assert grown["a"]["no_faster_than_data"] and grown["b"]["no_faster_than_data"]
    rows[1]["ours_s"] = 30.0
    assert not {g["stage"]: g for g in growth(rows)}["a"]["no_faster_than_data"]
    lines = table_lines(rows)
    assert lines[0].split()[:7] == ["stage", "scale", "ours", "s", "ours", "MB", "alt"]
    assert len(lines) == 2 + len(rows)
