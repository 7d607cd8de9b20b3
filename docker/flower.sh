#!/usr/bin/env bash
# Flower (the celery profile's Celery monitor) behind basic auth with the Admin's login from the env
# file: the same user and password as the Airflow UI's Admin (docker/users.py). Flower cannot read
# Airflow's FAB sessions; with the province's single sign-on, use Flower's OAuth options instead.
set -euo pipefail
: "${AIRFLOW_ADMIN_PASSWORD:?set AIRFLOW_ADMIN_PASSWORD in docker/.env}"
AIRFLOW__CELERY__FLOWER_BASIC_AUTH="${AIRFLOW_ADMIN_USERNAME:-admin}:${AIRFLOW_ADMIN_PASSWORD}"
export AIRFLOW__CELERY__FLOWER_BASIC_AUTH
exec airflow celery flower  # [celery] flower_port: 5555 unless AIRFLOW__CELERY__FLOWER_PORT says otherwise
