#!/usr/bin/env bash
# The one-shot init service of docker-compose.yml: metadata DB, pool, admin user, data home.
# Idempotent: run on every `docker compose up`; the long-running services start after it succeeds.
set -euo pipefail

echo "== airflow db migrate =="
airflow db migrate

echo "== pool duckdb_writer (1 slot: one writer at a time on the DuckDB warehouse) =="
airflow pools set duckdb_writer 1 "DuckDB warehouse: one writer at a time (DuckDB 仓库单写入者)"

# Airflow 3 without the FAB provider uses the simple auth manager: users come from
# AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS ("name:role,..."), passwords from a JSON file that the
# api-server reads. The admin's password comes from the env file (AIRFLOW_ADMIN_PASSWORD).
echo "== admin user =="
: "${AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS:?set it in docker/.env, e.g. admin:admin}"
: "${AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE:?set in docker-compose.yml}"
: "${AIRFLOW_ADMIN_PASSWORD:?set AIRFLOW_ADMIN_PASSWORD in docker/.env}"
admin_user="${AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS%%:*}"
python - "$admin_user" <<'PY'
import json, os, sys
from pathlib import Path

path = Path(os.environ["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"])
path.parent.mkdir(parents=True, exist_ok=True)
passwords = json.loads(path.read_text() or "{}") if path.exists() else {}
passwords[sys.argv[1]] = os.environ["AIRFLOW_ADMIN_PASSWORD"]
tmp = path.with_suffix(".tmp")
tmp.write_text(json.dumps(passwords))
tmp.chmod(0o600)
tmp.replace(path)
print(f"admin user: {sys.argv[1]}")
PY

echo "== newinfra init (data home, warehouse, raw tables, the plan's seeds) =="
newinfra init
echo "init done"
