"""The analysts' copy: published after the build, swapped in atomically; an analyst's open read-only
connection keeps reading the old complete copy and never blocks the pipeline."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import duckdb
import pytest

from newinfra import db, transform
from newinfra.settings import Settings


@pytest.fixture()
def published_home(fixture_home, tmp_path, monkeypatch):
    """A private copy of the built fixture home (this test writes to it)."""
    home = tmp_path / "home"
    shutil.copytree(fixture_home, home, symlinks=True)
    monkeypatch.setenv("NEWINFRA_HOME", str(home))
    return home


def test_build_published_the_marts_and_the_plan(fixture_home):
    published = fixture_home / "published"
    manifest = json.loads((published / "manifest.json").read_text(encoding="utf-8"))
    tables = {(t["schema"], t["table"]): t for t in manifest["tables"]}
    for needed in [
        ("governance", "rpt_responsibility_table"),
        ("governance", "fct_submission_compliance"),
        ("compute", "fct_compute_progress"),
        ("plan", "indicators"),
    ]:
        assert needed in tables
    assert not any(schema in ("raw", "staging", "intermediate") for schema, _ in tables)
    assert manifest["snapshot_id"] and manifest["built_at"].endswith("Z")
    con = duckdb.connect(str(published / "marts.duckdb"), read_only=True)
    try:
        for (schema, table), entry in tables.items():
            assert con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0] == entry["rows"]
        meta = con.execute("select snapshot_id, n_tables from meta.publication").fetchone()
        assert meta == (manifest["snapshot_id"], len(tables))
        parquet = published / tables[("governance", "rpt_responsibility_table")]["parquet"]
        n = con.execute(f"select count(*) from read_parquet('{parquet}')").fetchone()[0]
        assert n == tables[("governance", "rpt_responsibility_table")]["rows"] > 0
    finally:
        con.close()
    assert (published / "parquet").is_symlink()
    assert not list(published.glob("*.tmp-*"))


ANALYST = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
def show():
    n = con.execute("select count(*) from governance.dim_prefecture").fetchone()[0]
    snap = con.execute("select snapshot_id from meta.publication").fetchone()[0]
    m = con.execute("select count(*) from governance.rpt_responsibility_table").fetchone()[0]
    print(n, snap, m, flush=True)
show()
if len(sys.argv) > 2:
    sys.stdin.readline()  # hold the connection open until the test says so
    show()
"""


def _analyst(path, hold: bool) -> subprocess.Popen:
    args = [sys.executable, "-c", ANALYST, str(path)] + (["hold"] if hold else [])
    return subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def _read_line(proc: subprocess.Popen) -> tuple[int, str, int]:
    n, snap, m = proc.stdout.readline().split()
    return int(n), snap, int(m)


def test_publish_swaps_atomically_under_an_open_analyst_connection(published_home):
    settings = Settings.from_env()
    published = settings.published_warehouse
    # An analyst's session in another process, holding a read-only connection to the current copy.
    analyst = _analyst(published, hold=True)
    try:
        old_rows, old_snapshot, old_report_rows = _read_line(analyst)
        old_parquet = (published.parent / "parquet").resolve()
        # The warehouse changes (as a new build would), then publish runs while the analyst reads.
        with db.writer(settings) as con:
            con.execute(
                "insert into governance.dim_prefecture (prefecture_code, name_zh, level, sort_order) "
                "values ('XX', '测试区', 'prefecture', 99)"
            )
        result = transform.publish_marts(settings)
        assert result.path == published and result.snapshot_id != old_snapshot
        # The analyst's open connection still reads the old, complete copy...
        analyst.stdin.write("go\n")
        analyst.stdin.flush()
        assert _read_line(analyst) == (old_rows, old_snapshot, old_report_rows)
        assert analyst.wait(60) == 0
    finally:
        if analyst.poll() is None:
            analyst.kill()
            analyst.wait()
    # ...a new connection sees the new one.
    fresh = _analyst(published, hold=False)
    assert _read_line(fresh) == (old_rows + 1, result.snapshot_id, old_report_rows)
    assert fresh.wait(60) == 0
    manifest = json.loads((published.parent / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["snapshot_id"] == result.snapshot_id
    entry = next(t for t in manifest["tables"] if t["table"] == "dim_prefecture")
    assert entry["rows"] == old_rows + 1
    new_parquet = (published.parent / "parquet").resolve()
    assert new_parquet != old_parquet and old_parquet.exists()  # the previous version is kept for readers
    parquet_file = new_parquet / "governance" / "dim_prefecture.parquet"
    assert duckdb.sql(f"select count(*) from read_parquet('{parquet_file}')").fetchall() == [(old_rows + 1,)]
    assert not list(published.parent.glob("*.tmp-*"))
    # A third publish removes the oldest Parquet version, keeps the current and the previous one.
    transform.publish_marts(settings)
    versions = sorted(p.name for p in published.parent.glob("parquet-*") if p.is_dir())
    assert len(versions) == 2 and old_parquet.name not in versions


def test_a_failed_publish_leaves_the_old_copy_untouched(published_home, monkeypatch):
    settings = Settings.from_env()
    before = settings.published_warehouse.read_bytes()
    link_before = os.readlink(settings.published / "parquet")

    def boom(*args, **kwargs):
        raise RuntimeError("disk full (simulated)")

    monkeypatch.setattr(transform, "_write_meta", boom)
    with pytest.raises(RuntimeError, match="simulated"):
        transform.publish_marts(settings)
    assert settings.published_warehouse.read_bytes() == before
    assert os.readlink(settings.published / "parquet") == link_before
    assert not list(settings.published.glob("*.tmp-*"))
    assert len([p for p in settings.published.glob("parquet-*") if p.is_dir()]) == 1
