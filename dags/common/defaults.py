"""Task defaults of every newinfra DAG, and the settings a task reads at run time."""

from __future__ import annotations

from typing import Any

from dags.common.constants import (
    EXECUTION_TIMEOUT,
    MAX_RETRY_DELAY,
    OWNER,
    RETRIES,
    RETRY_BACKOFF,
    RETRY_DELAY,
)
from dags.common.notify import notify_failure
from newinfra.settings import Settings


def default_args(**overrides: Any) -> dict[str, Any]:
    """Task defaults of every newinfra DAG: owner, retries with exponential backoff, failure callback."""
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
