"""Real `airflow dags test` runs of every DAG, in the order of one monthly cycle, against a temporary
NEWINFRA_HOME (seeded, with a slice of the demo submissions in its landing folder) and a SQLite
metadata DB — what `newinfra airflow-cycle --period 2022-02` does, the report's approval answered
as a named approver (docs/report.md "审核与签发 / sign-off"). Then: a second ingest is a no-op that
announces nothing, and the report DAG's package equals `newinfra run --period` on the same data
(the backfill of a past month)."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import openpyxl
import pytest

from dags.common.constants import (
    CYCLE_DAGS,
    DAG_INGEST_SUBMISSIONS,
    DAG_MONTHLY_REPORT,
    DAG_TRANSFORM,
    RAW_PUBLIC_OBSERVATIONS_URI,
    RAW_SUBMISSIONS_URI,
)
from newinfra.settings import Settings
from pipeline import local_airflow

PERIOD = "2022-02"  # reported by the run of 2022-03-06
DEPARTMENTS = ["CAC", "STD", "BDB"]
APPROVER = "测试审核人"


@pytest.fixture(scope="module")
def cycle(seeded_home_template, airflow_home, tmp_path_factory):
    """One cycle of the four DAGs for PERIOD; the home, the Airflow env and each DAG's result."""
    from demo.generate import generate

    home = tmp_path_factory.mktemp("cycle") / "home"
    shutil.copytree(seeded_home_template, home, ignore=shutil.ignore_patterns("dbt"))
    settings = Settings(home=home)
    generate(home, through="2022-03", settings=settings, folders=DEPARTMENTS, workers=1)
    files = sorted(p for p in (home / "landing").rglob("*") if p.is_file())
    assert len(files) == 3 * len(DEPARTMENTS)
    results = local_airflow.run_cycle(
        settings, PERIOD, airflow_home=airflow_home, decision=local_airflow.Decision(by=APPROVER)
    )
    env = local_airflow.airflow_env(settings, airflow_home)
    return {"home": home, "settings": settings, "env": env, "results": results, "files": files}


def _db(env) -> sqlite3.Connection:
    return sqlite3.connect(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].removeprefix("sqlite:///"))


def _asset_events(env, uri: str) -> int:
    with _db(env) as con:
        return con.execute(
            "select count(*) from asset_event e join asset a on a.id = e.asset_id where a.uri = ?", (uri,)
        ).fetchone()[0]


def _last_states(env, dag_id: str) -> dict[str, str]:
    with _db(env) as con:
        run_id = con.execute(
            "select run_id from dag_run where dag_id = ? order by id desc limit 1", (dag_id,)
        ).fetchone()[0]
        return dict(
            con.execute(
                "select task_id, state from task_instance where dag_id = ? and run_id = ?", (dag_id, run_id)
            ).fetchall()
        )


def test_every_dag_runs(cycle):
    results = cycle["results"]
    assert [r.dag_id for r in results] == list(CYCLE_DAGS)
    for result in results:
        assert result.ok, f"{result.dag_id} failed:\n{result.tail(80)}"
    for dag_id in CYCLE_DAGS:
        states = _last_states(cycle["env"], dag_id)
        assert states and set(states.values()) <= {"success", "skipped"}, (dag_id, states)


def test_task_logs_show_progress_lines(cycle):
    """Long tasks print plain progress lines into Airflow's task log (files, sources, contracts,
    dbt nodes, files of the package), each ending at 100%."""
    logs = {r.dag_id: r.output for r in cycle["results"]}
    expected = {
        DAG_INGEST_SUBMISSIONS: "[采集 ingest] 9/9 ",
        "newinfra_ingest_public_stats": "[公开统计 fetch-public] ",
        DAG_TRANSFORM: "[质量检查 check] ",
        DAG_MONTHLY_REPORT: "[报告包 report] ",
    }
    for dag_id, prefix in expected.items():
        lines = [line for line in logs[dag_id].splitlines() if prefix in line]
        assert lines and "(100%)" in lines[-1], (dag_id, logs[dag_id][-3000:])
    report = [line for line in logs[DAG_MONTHLY_REPORT].splitlines() if "[dbt build] " in line]
    assert report and "(100%)" in report[-1]


def test_ingest_loaded_the_landing_folder_and_announced_it(cycle):
    import duckdb

    con = duckdb.connect(str(cycle["home"] / "warehouse.duckdb"), read_only=True)
    try:
        loaded = con.execute("select count(*) from raw.submission_files").fetchone()[0]
        observations = con.execute("select count(*) from raw.public_observations").fetchone()[0]
    finally:
        con.close()
    assert loaded == len(cycle["files"])
    assert observations > 0
    states = _last_states(cycle["env"], DAG_INGEST_SUBMISSIONS)
    assert states == {"ingest_landing": "success", "announce": "success"}
    assert _asset_events(cycle["env"], RAW_SUBMISSIONS_URI) >= 1
    assert _asset_events(cycle["env"], RAW_PUBLIC_OBSERVATIONS_URI) >= 1


def test_transform_ran_one_build_and_published(cycle):
    states = _last_states(cycle["env"], DAG_TRANSFORM)
    assert states == {
        "dbt_build": "success",
        "quality_checks": "success",
        "publish": "success",
        "rebuild_portal": "success",
    }
    assert (cycle["home"] / "published" / "marts.duckdb").exists()
    assert (cycle["home"] / "published" / "portal" / "index.html").is_file()
    assert _asset_events(cycle["env"], "newinfra://marts/") >= 1


def test_report_for_the_month_before(cycle):
    states = _last_states(cycle["env"], DAG_MONTHLY_REPORT)
    assert set(states.values()) == {"success"}, states
    assert set(states) >= {"export_package", "approve_package", "deliver_package"}
    manifest = json.loads((cycle["home"] / "exports" / PERIOD / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["period"] == PERIOD
    assert not (cycle["home"] / "exports" / "2022-03").exists()


def test_report_was_signed_off_by_the_named_approver(cycle):
    """The report run waited at approve_package and went on only after the runner's answer: the
    decision is recorded, the package is the signed one, the draft is kept beside it."""
    from exports.approval import decisions

    report = cycle["results"][-1]
    assert [(a["responded_by"]["name"], a["chosen_options"]) for a in report.answers] == [
        (APPROVER, ["Approve"])
    ]
    rows = decisions(cycle["settings"], PERIOD)
    assert [(r["decision"], r["decided_by"], r["via"]) for r in rows] == [("approved", APPROVER, "airflow")]
    folder = cycle["home"] / "exports" / PERIOD
    signed = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    draft = json.loads((folder.with_name(f"{PERIOD}.draft") / "manifest.json").read_text(encoding="utf-8"))
    assert (signed["is_draft"], draft["is_draft"]) == (False, True)
    assert signed["snapshot_id"] == draft["snapshot_id"]


def test_second_ingest_finds_nothing_new_and_announces_nothing(cycle):
    before = _asset_events(cycle["env"], RAW_SUBMISSIONS_URI)
    result = local_airflow.dags_test(DAG_INGEST_SUBMISSIONS, "2022-03-06T00:30:00+00:00", cycle["env"])
    assert result.ok, result.tail()
    assert _last_states(cycle["env"], DAG_INGEST_SUBMISSIONS) == {
        "ingest_landing": "success",
        "announce": "skipped",
    }
    assert _asset_events(cycle["env"], RAW_SUBMISSIONS_URI) == before


def _workbook_values(path: Path, ignore: set[str]) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return {
            ws.title: [
                tuple(None if isinstance(v, str) and any(s in v for s in ignore) else v for v in row)
                for row in ws.iter_rows(values_only=True)
            ]
            for ws in book.worksheets
        }
    finally:
        book.close()


def test_backfill_reproduces_the_month(cycle, tmp_path):
    """`newinfra run --period 2022-02` on the same data gives the package the DAG gave: the same
    figures, statuses and every cell of the workbook (but the generation time and snapshot id)."""
    from pipeline.cycle import run_cycle

    folder = cycle["home"] / "exports" / PERIOD
    by_dag = tmp_path / "by_dag"
    shutil.copytree(folder, by_dag)
    dag_manifest = json.loads((by_dag / "manifest.json").read_text(encoding="utf-8"))

    # A draft first, then signed off by the same person as the DAG's; delivery is not configured here.
    result = run_cycle(cycle["settings"], PERIOD, force=True, ingest=False, approve_by=APPROVER)
    assert result.ok, [(s.name, s.error_en) for s in result.steps]
    assert [s.name for s in result.steps][-3:] == ["export", "approve", "deliver"]
    assert not result.awaiting_signoff
    cli_manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert cli_manifest["force_requested"] is True
    assert cli_manifest["is_draft"] is False
    draft_manifest = json.loads((folder.with_name(PERIOD + ".draft") / "manifest.json").read_text("utf-8"))
    assert draft_manifest["is_draft"] is True

    for key in ("period", "indicators", "status_counts"):
        assert cli_manifest[key] == dag_manifest[key], key
    assert cli_manifest["quality"]["blocking_failures"] == dag_manifest["quality"]["blocking_failures"]
    changing = {  # what differs by construction: the snapshot, the quality run, the generation time
        # and 审核/签发: the DAG's package was signed by APPROVER, `newinfra run` leaves lines to sign
        APPROVER,
        "＿" * 8,
        dag_manifest["snapshot_id"],
        cli_manifest["snapshot_id"],
        dag_manifest["quality"]["run_id"],
        cli_manifest["quality"]["run_id"],
        dag_manifest["generated_at"][:16].replace("T", " "),
        cli_manifest["generated_at"][:16].replace("T", " "),
    }
    name = f"责任分解表进展_{PERIOD}.xlsx"
    dag_cells = _workbook_values(by_dag / name, changing)
    cli_cells = _workbook_values(folder / name, changing)
    assert dag_cells.keys() == cli_cells.keys()
    for sheet in dag_cells:
        if sheet in ("说明", "封面", "Cover"):
            continue
        assert dag_cells[sheet] == cli_cells[sheet], sheet
