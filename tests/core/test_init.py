"""`newinfra init` on an empty home builds the warehouse; a second run changes nothing."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time

import duckdb
import pytest

from newinfra import db
from newinfra.errors import PlatformError, UserInputError
from newinfra.settings import HOME_SUBDIRS, Settings


def _run_cli(home, *args):
    env = {**__import__("os").environ, "NEWINFRA_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args], env=env, capture_output=True, text=True, timeout=300
    )


def _snapshot(warehouse) -> dict[str, str]:
    """A digest of every table's sorted contents."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables order by 1, 2"
        ).fetchall()
        digests = {}
        for schema, table in tables:
            rows = con.execute(f'select * from "{schema}"."{table}"').fetchall()
            digests[f"{schema}.{table}"] = hashlib.sha256(repr(sorted(map(repr, rows))).encode()).hexdigest()
        return digests
    finally:
        con.close()


def test_init_builds_home_and_is_idempotent(tmp_path):
    home = tmp_path / "fresh"
    first = _run_cli(home, "init", "--json")
    assert first.returncode == 0, first.stderr
    result = json.loads(first.stdout)
    assert sorted(result["created_dirs"]) == sorted(HOME_SUBDIRS)
    for name in HOME_SUBDIRS:
        assert (home / name).is_dir()
    assert (home / "warehouse.duckdb").exists()
    for table in ("departments", "prefectures", "indicators", "indicator_targets", "responsibilities"):
        assert result["seed_tables"][table] > 0, table
    assert result["seed_tables"]["departments"] == 28
    before = _snapshot(home / "warehouse.duckdb")
    assert "raw.submission_files" in before and "quality.check_results" in before

    second = _run_cli(home, "init", "--json")
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout)["created_dirs"] == []
    assert _snapshot(home / "warehouse.duckdb") == before


def test_targets_with_lead_department_query(settings):
    """The README's one-line query lists every target with its lead department."""
    with db.reader(settings) as con:
        rows = con.execute(
            "select i.indicator_id, t.target_year, t.target_value, d.name_zh "
            "from plan.indicator_targets t join plan.indicators i using (indicator_id) "
            "join plan.departments d on d.department_code = i.lead_department_code"
        ).fetchall()
        n_targets = con.execute("select count(*) from plan.indicator_targets").fetchone()[0]
    assert len(rows) == n_targets > 0
    assert all(r[3] for r in rows)


def test_second_writer_waits_then_times_out_with_a_clear_message(settings):
    # The lock is per process and re-entrant, so contend from a child process.
    code = (
        "import time; from newinfra import db; from newinfra.settings import Settings\n"
        "s = Settings.from_env()\n"
        "with db.write_lock(s):\n    print('locked', flush=True); time.sleep(3)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "locked"
    start = time.monotonic()
    with pytest.raises(PlatformError) as err:
        with db.write_lock(settings, timeout=0.5):
            pass
    assert "另一个写入进程" in err.value.message_zh and "another writer" in err.value.message_en
    # A longer wait succeeds once the child lets go.
    with db.write_lock(settings, timeout=30):
        assert time.monotonic() - start > 0
    child.wait(10)


def test_cli_reports_user_error_without_traceback(tmp_path):
    out = _run_cli(tmp_path / "h", "no-such-command")
    assert out.returncode != 0
    assert "Traceback" not in out.stderr


def test_settings_from_env(monkeypatch, tmp_path):
    monkeypatch.setenv("NEWINFRA_HOME", str(tmp_path))
    monkeypatch.setenv("NEWINFRA_ON_TIME_DAYS", "7")
    s = Settings.from_env()
    assert s.home == tmp_path.resolve() and s.on_time_days == 7
    assert s.warehouse == tmp_path.resolve() / "warehouse.duckdb"
    monkeypatch.setenv("NEWINFRA_ON_TIME_DAYS", "seven")
    with pytest.raises(UserInputError, match="NEWINFRA_ON_TIME_DAYS"):
        Settings.from_env()


def test_a_bad_setting_is_a_clear_error_not_a_traceback(tmp_path):
    env = {
        **__import__("os").environ,
        "NEWINFRA_HOME": str(tmp_path / "h"),
        "NEWINFRA_DUCKDB_MEMORY_LIMIT": "lots",
    }
    out = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "init"], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr
    assert (
        "NEWINFRA_DUCKDB_MEMORY_LIMIT" in out.stderr
        and "内存大小" in out.stderr
        and "memory size" in out.stderr
    )
    assert not (tmp_path / "h").exists()


def test_every_warehouse_connection_is_bounded_by_the_memory_limit(home, monkeypatch):
    monkeypatch.setenv("NEWINFRA_DUCKDB_MEMORY_LIMIT", "512MB")
    settings = Settings.from_env()
    assert settings.duckdb_memory_limit == "512MB"
    limits = []
    with db.writer(settings) as con:
        limits.append(con.execute("select current_setting('memory_limit')").fetchone()[0])
    with db.reader(settings) as con:
        limits.append(con.execute("select current_setting('memory_limit')").fetchone()[0])
    # DuckDB reports the limit in its own units (512MB = 488.2 MiB)
    assert limits == ["488.2 MiB", "488.2 MiB"], limits
