"""Names and numbers of the newinfra DAGs: the pool, the assets, the DAG ids, the schedule (the retry
policy is in dags/common/defaults.py)."""

from __future__ import annotations

import datetime as dt

from newinfra.settings import DBT_PROJECT_DIR, PROJECT_ROOT

DAGS_FOLDER = PROJECT_ROOT / "dags"

# The warehouse takes one writer at a time: every task that writes holds this pool's only slot.
POOL = "duckdb_writer"
POOL_SLOTS = 1
POOL_DESCRIPTION = "DuckDB warehouse: one writer at a time (DuckDB 仓库单写入者)"

OWNER = "newinfra-data"
TAGS = ("newinfra",)

# Assets (URIs; the DAG files build ``Asset(uri)`` objects from them).
RAW_SUBMISSIONS_URI = "newinfra://raw/submissions"
RAW_PUBLIC_OBSERVATIONS_URI = "newinfra://raw/public_observations"
MARTS_URI = "newinfra://marts"

# The DAGs, in the order one monthly cycle runs them.
DAG_INGEST_SUBMISSIONS = "newinfra_ingest_submissions"
DAG_INGEST_PUBLIC_STATS = "newinfra_ingest_public_stats"
DAG_TRANSFORM = "newinfra_transform"
DAG_MONTHLY_REPORT = "newinfra_monthly_report"
CYCLE_DAGS = (DAG_INGEST_SUBMISSIONS, DAG_INGEST_PUBLIC_STATS, DAG_TRANSFORM, DAG_MONTHLY_REPORT)

REPORT_CRON = "0 8 6 * *"  # 08:00 on the 6th, local time: the report for the month before
REPORT_DAY = 6

# The wrapper Cosmos runs instead of dbt: it takes the warehouse lock, then runs dbt.
DBT_LOCKED_EXECUTABLE = PROJECT_ROOT / "newinfra" / "bin" / "dbt-locked"
# Cosmos renders the dbt DAG from this manifest (`make dbt-parse` writes it).
DBT_MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"

# The plan's first month: a run whose logical date is before a DAG's start_date runs NO task (and
# still "succeeds"), so backfills of the plan's early months need this early start.
START_DATE = dt.datetime(2022, 1, 1, tzinfo=dt.UTC)
