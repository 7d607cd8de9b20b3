"""`newinfra` refuses demo secrets outside a demo home (issue 16.9), and ends quietly on a closed pipe or
Ctrl-C (16.11): pipeline/guard.py."""

from __future__ import annotations

import pytest

from pipeline import cli, guard

GOOD = "k3J9-this-is-a-real-production-key-0001"


@pytest.mark.parametrize(
    ("value", "refused"),
    [
        (None, True),
        ("", True),
        ("newinfra-demo-secret-change-me", True),  # the demo's key, the settings' default
        ("change-me", True),  # docker/airflow.env.example's placeholder
        ("CHANGEME-please-0123456789", True),
        ("short-key", True),
        (GOOD, False),
    ],
)
def test_a_command_outside_a_demo_home_refuses_a_demo_secret(home, monkeypatch, capsys, value, refused):
    if value is None:
        monkeypatch.delenv(guard.SECRET_ENV, raising=False)
    else:
        monkeypatch.setenv(guard.SECRET_ENV, value)
    code = cli.main(["ingest"])
    err = capsys.readouterr().err
    if refused:
        assert code == 2
        assert "拒绝运行" in err and "refusing to run" in err and guard.SECRET_ENV in err
        assert "Traceback" not in err
    else:
        assert code == 0, err


def test_a_demo_home_and_the_harmless_commands_run_with_the_demo_secret(home, monkeypatch, capsys):
    monkeypatch.delenv(guard.SECRET_ENV, raising=False)
    assert cli.main(["where"]) == 0
    (home / guard.DEMO_MARKER).write_text("demo\n", encoding="utf-8")
    assert cli.main(["ingest"]) == 0, capsys.readouterr().err


def _run_into_closed_pipe(home, *args: str):
    """Run `newinfra ARGS` with stdout a pipe whose reader has gone (`| head -1` after its line)."""
    import os
    import subprocess
    import sys

    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        env = {**os.environ, "NEWINFRA_HOME": str(home)}
        return subprocess.run(
            [sys.executable, "-m", "pipeline.cli", *args],
            stdout=write_end, stderr=subprocess.PIPE, env=env, text=True, timeout=600,
        )  # fmt: skip
    finally:
        os.close(write_end)


def test_a_closed_pipe_ends_quietly_with_141(home):
    out = _run_into_closed_pipe(home, "where")
    assert out.returncode == guard.EXIT_SIGPIPE, out.stderr
    assert "Traceback" not in out.stderr and "BrokenPipeError" not in out.stderr


def test_an_ingest_into_a_closed_pipe_keeps_its_work_and_a_rerun_finishes(home, capsys):
    import duckdb

    landing = home / "landing" / "CA"
    landing.mkdir(parents=True, exist_ok=True)
    (landing / "junk.xlsx").write_bytes(b"not a workbook")  # quarantined: one ledger row
    out = _run_into_closed_pipe(home, "ingest")
    assert out.returncode == guard.EXIT_SIGPIPE, out.stderr
    assert "Traceback" not in out.stderr
    assert cli.main(["ingest"]) == 0  # the re-run finds nothing left to do
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        assert con.execute("select count(*) from raw.submission_files").fetchone()[0] == 1
    finally:
        con.close()
    assert not (landing / "junk.xlsx").exists()
