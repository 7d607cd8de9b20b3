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
