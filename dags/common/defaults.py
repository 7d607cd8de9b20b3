"""Task defaults of every newinfra DAG, and the settings a task reads at run time.

The one retry policy of the platform's tasks (docs/architecture.md, "Retries"):

- Airflow retries a failed task: 2 more tries, 2 min then 4 min later (exponential backoff, capped at
  30 min). Nothing inside a task retries the whole step again; the only inner retry is the HTTP fetch
  of one public source (``NEWINFRA_HTTP_RETRIES``, ``ingestion/public_stats/fetch.py``), which
  retries one request, not the task.
- A task that fails for good (every try used) calls ``notify_failure``: logged, and mailed when SMTP
  is configured (dags/common/notify.py).
- Not retried (``retries=0`` on the task): the quality gate, whose failure is a verdict on the data
  and would fail again on the same data, and the approval wait, which a person answers.
- Every try has a time limit of 2 hours (``execution_timeout``).

The command line (``newinfra run``, ``pipeline/cycle.py``) runs each step once: rerunning the
command is the retry there.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from dags.common.constants import OWNER
from dags.common.notify import notify_failure
from newinfra.settings import Settings

RETRIES = 2
RETRY_DELAY = dt.timedelta(minutes=2)
RETRY_BACKOFF = 2.0
MAX_RETRY_DELAY = dt.timedelta(minutes=30)
EXECUTION_TIMEOUT = dt.timedelta(hours=2)


def default_args(**overrides: Any) -> dict[str, Any]:
    """Task defaults of every newinfra DAG: owner, the retry policy above, the failure callback."""
    args: dict[str, Any] = {
        "owner": OWNER,
        "retries": RETRIES,
        "retry_delay": RETRY_DELAY,
        "retry_exponential_backoff": RETRY_BACKOFF,
        "max_retry_delay": MAX_RETRY_DELAY,
        "execution_timeout": EXECUTION_TIMEOUT,
        "on_failure_callback": notify_failure,
    }
    args.update(overrides)
    return args


def platform_settings() -> Settings:
    """The platform's settings, read at task run time."""
    return Settings.from_env()


def local_timezone() -> str:
    """The platform's time zone (``NEWINFRA_TIMEZONE``) for the DAGs' cron schedules: an environment
    read only, cheap at parse time."""
    return Settings.from_env().timezone
