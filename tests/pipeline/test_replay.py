"""`newinfra replay` (issue 16.8): a warehouse deleted, rebuilt from the archive and the saved ledger,
built again; every table equals the original's (EXCEPT ALL both ways)."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import duckdb
import pytest

from demo import settings as S
from demo.generate import generate, read_manifest
from demo.scenario import build_scenario
from newinfra.errors import UserInputError
from newinfra.periods import add_months
from newinfra.plan import load_plan
from pipeline.cli import main

pytestmark = pytest.mark.slow

PERIODS = [add_months(S.LAST_PERIOD, -i) for i in (2, 1, 0)]


def _tables(con, catalog: str) -> list[tuple[str, str]]:
    return con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_catalog = ? and table_schema not in ('information_schema', 'pg_catalog') "
        "order by 1, 2",
        [catalog],
    ).fetchall()


@pytest.fixture()
def original(home, settings):
    """A home like production's after a few months: project list, submissions (a spoof, a revision, a
    row mistake, a re-sent duplicate), public statistics, a published report, marts built."""
    from ingestion.projects import load_projects
    from ingestion.public_stats import fetch_sources
    from ingestion.submissions import ingest_paths
    from newinfra import db
    from newinfra.transform import build, publish_marts

    scenario = build_scenario(
        load_plan(), S.DEFAULT_SEED, S.LAST_PERIOD, settings.on_time_days, settings.timezone
    )
    kinds = {m.kind: m for m in scenario.mistakes}
    folders = sorted({kinds["spoof"].department_code, kinds["revision"].department_code, "CA"})
    generate(home, folders=folders, periods=PERIODS, settings=settings, workers=1)
    manifest = read_manifest(home)
    load_projects(settings, home / manifest["project_library"]["path"], now=dt.datetime(2022, 1, 1, 1))
    # the report of the middle month was published before its files were processed: they are
    # revisions after publication (a record, replayed as recorded)
    with db.writer(settings) as con:
        con.execute(
            "insert into ops.report_publications (period, published_at, package_path, manifest_sha256) "
            "values (?, ?, ?, ?)",
            [PERIODS[1], dt.datetime(2024, 12, 1, 2), f"exports/{PERIODS[1]}", "0" * 64],
        )
    first = ingest_paths(settings, workers=0)
    assert any(r.is_after_publication for r in first)
    loaded = next(r for r in first if r.status == "loaded")
    again = settings.landing / loaded.sender_department_code / "重新发送.xlsx"
    shutil.copyfile(settings.home / loaded.archive_path, again)  # a re-sent duplicate, scan-timed
    assert [r.status for r in ingest_paths(settings, workers=0)] == ["duplicate"]
    fetch_sources(settings)
    build(settings, period=S.LAST_PERIOD)
    publish_marts(settings)
    return settings


def test_replay_rebuilds_every_table_identically(original, tmp_path, capsys):
    settings = original
    assert main(["replay", "--save-ledger"]) == 0
    before = tmp_path / "before.duckdb"
    shutil.copyfile(settings.warehouse, before)
    settings.warehouse.unlink()  # the warehouse is lost
    capsys.readouterr()
    code = main(["replay", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert out["ledger_differing_columns"] == {} and out["ledger_differences"] == 0
    assert out["ok"] and out["built"] and code == 0
    assert out["statuses"].get("duplicate") == 1 and out["statuses"].get("quarantined", 0) >= 1
    assert out["records"]["raw.public_observations"] > 0 and out["project_lists"] == 1

    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        con.execute(f"attach '{before}' as before (read_only)")
        tables = _tables(con, "before")
        assert _tables(con, "warehouse") == tables
        schemas = {s for s, _ in tables}
        assert {"raw", "governance", "intermediate", "staging", "plan", "ops", "compute"} <= schemas
        differ = {}
        for schema, name in tables:
            a, b = f"warehouse.{schema}.{name}", f"before.{schema}.{name}"
            n = con.execute(
                f"select (select count(*) from (select * from {a} except all select * from {b})) "
                f"+ (select count(*) from (select * from {b} except all select * from {a}))"
            ).fetchone()[0]
            if n:
                differ[f"{schema}.{name}"] = n
        assert differ == {}
        n_marts = sum(
            1 for s, _ in tables if s not in ("raw", "staging", "plan", "ops", "quality", "intermediate")
        )
        assert n_marts > 30
        revised = con.execute(
            "select count(*) from governance.fct_submission_compliance where n_revisions > 0"
        )
        assert revised.fetchone()[0] >= 1  # the revision replayed as version 2
    finally:
        con.close()


def test_replay_refuses_while_a_warehouse_exists(settings):
    from pipeline.replay import replay, save_ledger

    save_ledger(settings)
    with pytest.raises(UserInputError) as err:
        replay(settings)
    assert "已存在" in err.value.args[0] or "已存在" in str(err.value)


def test_replay_refuses_a_damaged_archive(original):
    from pipeline.replay import replay, save_ledger

    settings = original
    save_ledger(settings)
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    rel = con.execute("select archive_path from raw.submission_files limit 1").fetchone()[0]
    con.close()
    (settings.home / rel).write_bytes(b"damaged")
    settings.warehouse.unlink()
    with pytest.raises(UserInputError) as err:
        replay(settings)
    assert rel in str(err.value.args) or "archive" in str(err.value)
    assert not settings.warehouse.exists()  # nothing half-built
