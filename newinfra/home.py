"""`newinfra init`: the data home, the warehouse, the raw tables and the plan's seeds."""

from __future__ import annotations

from dataclasses import dataclass

from newinfra import db
from newinfra.dbt import run_dbt
from newinfra.settings import HOME_SUBDIRS, Settings


@dataclass(frozen=True)
class InitResult:
    home: str
    created_dirs: list[str]
    ddl_files: list[str]
    seed_tables: dict[str, int]


def init_home(settings: Settings, load_seeds: bool = True) -> InitResult:
    """Create NEWINFRA_HOME's folders and the warehouse, then (re)load the seeds. Idempotent:
    a second run creates nothing and leaves the seed tables with the same rows."""
    created = []
    settings.home.mkdir(parents=True, exist_ok=True)
    for name in HOME_SUBDIRS:
        path = settings.home / name
        if not path.exists():
            path.mkdir(parents=True)
            created.append(name)
    with db.writer(settings) as con:
        applied = db.ensure_schema(con)
    seed_tables: dict[str, int] = {}
    if load_seeds:
        with db.write_lock(settings):
            run_dbt(settings, "seed")
        with db.writer(settings) as con:
            rows = con.execute(
                "select table_name from information_schema.tables where table_schema = 'plan' order by 1"
            ).fetchall()
            for (table,) in rows:
                seed_tables[table] = con.execute(f'select count(*) from plan."{table}"').fetchone()[0]
    return InitResult(str(settings.home), created, applied, seed_tables)
