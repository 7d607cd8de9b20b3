#!/usr/bin/env bash
# The one-shot init service of docker-compose.yml: secrets check, metadata DB, pool, users, data home.
# Idempotent: run on every `docker compose up`; the long-running services start after it succeeds.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

# No placeholder, demo or missing secret gets past this line (docs/deploy.md, "The env file").
echo "== secrets =="
python "$here/preflight.py"

echo "== airflow db migrate (Airflow's tables and the FAB auth manager's) =="
airflow db migrate

echo "== pool duckdb_writer (1 slot: one writer at a time on the DuckDB warehouse) =="
airflow pools set duckdb_writer 1 "DuckDB warehouse: one writer at a time (DuckDB 仓库单写入者)"

# The FAB auth manager's users, one per role (Admin, Op, Viewer), from AIRFLOW_<ROLE>_USERNAME and
# AIRFLOW_<ROLE>_PASSWORD in docker/.env: created, or given the env file's role and password again.
echo "== users =="
python "$here/users.py"

echo "== newinfra init (data home, warehouse, raw tables, the plan's seeds) =="
newinfra init
echo "init done"
