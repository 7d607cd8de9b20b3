"""A slice of the demo data through the real ingester: the ledger says what the manifest expects.

Three landing folders (the one holding another department's file, the one that revises a period, and
one with a row mistake) over the last three periods: load the project library, run the real
`newinfra ingest`, then read the ledger, rejections and values back from the warehouse.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from demo import settings as S
from demo.generate import generate, read_manifest
from demo.scenario import build_scenario
from newinfra.periods import add_months
from newinfra.plan import load_plan
from pipeline.cli import main

SLICE_PERIODS = [add_months(S.LAST_PERIOD, -i) for i in (2, 1, 0)]


@pytest.fixture()
def ingested(home, settings, capsys):
    from ingestion.projects import load_projects

    scenario = build_scenario(
        load_plan(), S.DEFAULT_SEED, S.LAST_PERIOD, settings.on_time_days, settings.timezone
    )
    by_kind = {m.kind: m for m in scenario.mistakes}
    folders = {by_kind["spoof"].department_code, by_kind["revision"].department_code}
    row_mistake = next(
        m
        for m in scenario.mistakes
        if m.expected_status == "partially_loaded" and m.department_code not in folders
    )
    folders.add(row_mistake.department_code)
    generate(home, folders=sorted(folders), periods=SLICE_PERIODS, settings=settings, workers=1)
    manifest = read_manifest(home)
    load_projects(settings, home / manifest["project_library"]["path"])
    capsys.readouterr()
    assert main(["ingest", "--json"]) == 0
    results = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]
    return manifest, results


def test_the_ledger_matches_the_manifest(ingested, settings):
    manifest, results = ingested
    assert len(results) == len(manifest["files"]) >= 8
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        ledger = {
            (r[1], r[2]): r
            for r in con.execute(
                """
                select file_id, original_name, sender_department_code, department_code, period, status,
                       quarantine_reason_code, rows_total, rows_accepted, rows_rejected, is_late, version
                from raw.submission_files
                """
            ).fetchall()
        }
        reasons: dict[str, set[str]] = {}
        for file_id, code in con.execute(
            "select file_id, reason_code from raw.submission_rejections"
        ).fetchall():
            reasons.setdefault(file_id, set()).add(code)
        versions = {}
        for f in manifest["files"]:
            row = ledger[(Path(f["path"]).name, f["folder_department_code"])]
            (
                file_id,
                _name,
                _sender,
                dept,
                period,
                status,
                q_code,
                total,
                accepted,
                rejected,
                is_late,
                version,
            ) = row
            assert status == f["expected_status"], f["path"]
            assert total == accepted + rejected, f["path"]
            if status == "quarantined":
                assert [q_code] == f["expected_reason_codes"]
                continue
            assert (dept, period) == (f["department_code"], f["period"])
            assert is_late == f["is_late"], f["path"]
            assert reasons.get(file_id, set()) == set(f["expected_reason_codes"]), f["path"]
            assert rejected == len(f["expected_reason_codes"])
            assert accepted > 0
            versions[(f["role"], dept, period)] = version
        revision = next(f for f in manifest["files"] if f["role"] == "revision")
        key = (revision["department_code"], revision["period"])
        assert versions[("revision_first", *key)] == 1 and versions[("revision", *key)] == 2
        # the revision's corrected value is the latest one for the period
        value = con.execute(
            """
            select v.value from raw.submission_values as v
            join raw.submission_files as f using (file_id)
            where f.department_code = ? and f.period = ? and v.indicator_id = ? and v.prefecture_code = ?
            order by f.version desc limit 1
            """,
            [*key, revision["mistake_indicator_id"], revision["mistake_prefecture_code"]],
        ).fetchone()[0]
        typo = con.execute(
            """
            select v.value from raw.submission_values as v
            join raw.submission_files as f using (file_id)
            where f.department_code = ? and f.period = ? and v.indicator_id = ? and f.version = 1
              and v.prefecture_code = ?
            """,
            [*key, revision["mistake_indicator_id"], revision["mistake_prefecture_code"]],
        ).fetchone()[0]
        assert typo == value * 10
        # project progress arrived in yuan, for known projects only
        n_projects, max_cum = con.execute(
            "select count(*), max(cumulative_completed_yuan) from raw.submission_projects"
        ).fetchone()
        assert n_projects > 0 and max_cum > 10_000
    finally:
        con.close()
    # processed files leave the landing folders
    assert not [p for p in (settings.landing).rglob("*") if p.is_file()]
