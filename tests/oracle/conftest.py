"""The oracle's warehouse: the whole synthetic demo through the real commands, built once per session.

``NEWINFRA_ORACLE_HOME`` may name a home where that was already done (the same five commands, with
``build --period 2024-12``), to rerun the oracle in seconds while working on a model.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import oracle_reference as reference  # noqa: E402

from newinfra.settings import PROJECT_ROOT  # noqa: E402

REPORT_PERIOD = "2024-12"


def _run(home: Path, *args: str) -> None:
    env = {**os.environ, "NEWINFRA_HOME": str(home)}
    proc = subprocess.run(list(args), env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, f"{args}: {proc.stdout[-2000:]} {proc.stderr[-3000:]}"


def build_demo_home(home: Path) -> Path:
    """The demo's data and the monthly build, as `make demo` does it without the scheduler."""
    cli = str(Path(sys.executable).with_name("newinfra"))
    _run(home, cli, "init")
    _run(home, sys.executable, "-m", "demo.cli", "--through", REPORT_PERIOD)
    _run(home, cli, "load-projects", str(home / "demo" / "重大项目库.xlsx"))
    _run(home, cli, "ingest")
    _run(home, cli, "fetch-public")
    _run(home, cli, "build", "--period", REPORT_PERIOD)
    return home


@pytest.fixture(scope="session")
def demo_home(tmp_path_factory) -> Path:
    given = os.environ.get("NEWINFRA_ORACLE_HOME")
    if given:
        return Path(given)
    return build_demo_home(tmp_path_factory.mktemp("oracle_demo") / "home")


@pytest.fixture(scope="session")
def oracle_con(demo_home):
    """In memory: the warehouse (raw tables, seeds) as ``wh``, the analysts' copy as ``pub``, and the
    oracle's own figures in ``ref``."""
    con = duckdb.connect()
    con.execute(f"attach '{demo_home / 'warehouse.duckdb'}' as wh (read_only)")
    con.execute(f"attach '{demo_home / 'published' / 'marts.duckdb'}' as pub (read_only)")
    reference.build(con, REPORT_PERIOD)
    yield con
    con.close()
