"""Every setting of the platform, read from environment variables with defaults, in one place.

``Settings.from_env()`` is called at use time (never at import time) so that tests and the CLI
can point ``NEWINFRA_HOME`` elsewhere. Every variable is listed in README.md and .env.example.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from newinfra.errors import UserInputError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
SEEDS_DIR = DBT_PROJECT_DIR / "seeds"

# Folders under NEWINFRA_HOME, created by `newinfra init`.
HOME_SUBDIRS = ("landing", "archive", "quarantine", "feedback", "exports", "published")


def _env(name: str, default: str) -> str:
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def _env_int(name: str, default: int) -> int:
    raw = _env(name, str(default))
    try:
        return int(raw)
    except ValueError as exc:
        raise UserInputError(
            f"环境变量 {name} 必须是整数：{raw!r}", f"env var {name} must be an integer: {raw!r}"
        ) from exc


_MEMORY = re.compile(r"^\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)\s*$", re.IGNORECASE)


def _env_memory(name: str, default: str) -> str:
    raw = _env(name, default)
    if not _MEMORY.match(raw):
        raise UserInputError(
            f"环境变量 {name} 必须是内存大小，如 3GB：{raw!r}",
            f"env var {name} must be a memory size such as 3GB: {raw!r}",
        )
    return raw.strip()


def _env_float(name: str, default: float) -> float:
    raw = _env(name, str(default))
    try:
        return float(raw)
    except ValueError as exc:
        raise UserInputError(
            f"环境变量 {name} 必须是数字：{raw!r}", f"env var {name} must be a number: {raw!r}"
        ) from exc


def _env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    raw = _env(name, default).strip().lower()
    if raw not in choices:
        raise UserInputError(
            f"环境变量 {name} 只能取 {'/'.join(choices)}：{raw!r}",
            f"env var {name} must be one of {'/'.join(choices)}: {raw!r}",
        )
    return raw


@dataclass(frozen=True)
class Settings:
    home: Path
    lock_timeout_s: float = 600.0
    on_time_days: int = 5
    max_upload_bytes: int = 20 * 1024 * 1024
    # A landing file modified less than this long ago may still be being uploaded (an SFTP client
    # writes under the final name): the ingest leaves it for the next run (status 'waiting').
    landing_settle_s: float = 30.0
    max_xlsx_uncompressed_bytes: int = 100 * 1024 * 1024
    max_xlsx_ratio: float = 100.0
    template_secret: str = "newinfra-demo-secret-change-me"
    reconciliation_threshold: float = 0.05
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    mail_from: str = "newinfra@localhost"
    mail_to: tuple[str, ...] = field(default_factory=tuple)
    http_connect_timeout_s: float = 5.0
    http_read_timeout_s: float = 15.0
    http_retries: int = 3
    # Politeness towards real publishers (docs/public-stats.md): the User-Agent every public fetch
    # sends, and the minimum seconds between two requests to one host.
    http_user_agent: str = "newinfra-public-stats/1.0 (+Guizhou new-infrastructure plan tracker)"
    http_min_delay_s: float = 2.0
    timezone: str = "Asia/Shanghai"
    # DuckDB's buffer pool (its own default is 80 % of RAM); larger sorts and joins spill to
    # <warehouse>.duckdb.tmp/. The dbt build reads the same variable (dbt_project/profiles.yml).
    duckdb_memory_limit: str = "3GB"
    # The monthly package (docs/report.md): its PDF (auto = when LibreOffice is installed, off =
    # never, on = always, a missing LibreOffice is then an error note) and the document fields
    # printed on the cover; an empty field prints as a line to sign.
    report_pdf: str = "auto"
    report_org: str = ""
    report_reviewer: str = ""
    report_issuer: str = ""
    report_contact: str = ""
    # Sign-off (docs/report.md "审核与签发 / sign-off"): who may approve the package (user names;
    # empty = the users the Airflow auth manager lets act on the approval task, the Op role and up
    # in production), and how many days the approval task waits before it notifies and gives up.
    report_approvers: tuple[str, ...] = field(default_factory=tuple)
    report_approval_days: float = 5.0

    @classmethod
    def from_env(cls) -> Settings:
        home = Path(_env("NEWINFRA_HOME", str(PROJECT_ROOT / "var"))).expanduser().resolve()
        mail_to = tuple(a.strip() for a in _env("NEWINFRA_MAIL_TO", "").split(",") if a.strip())
        return cls(
            home=home,
            lock_timeout_s=_env_float("NEWINFRA_LOCK_TIMEOUT", 600.0),
            on_time_days=_env_int("NEWINFRA_ON_TIME_DAYS", 5),
            max_upload_bytes=_env_int("NEWINFRA_MAX_UPLOAD_BYTES", 20 * 1024 * 1024),
            landing_settle_s=_env_float("NEWINFRA_LANDING_SETTLE_SECONDS", 30.0),
            max_xlsx_uncompressed_bytes=_env_int("NEWINFRA_MAX_XLSX_UNCOMPRESSED_BYTES", 100 * 1024 * 1024),
            max_xlsx_ratio=_env_float("NEWINFRA_MAX_XLSX_RATIO", 100.0),
            template_secret=_env("NEWINFRA_TEMPLATE_SECRET", "newinfra-demo-secret-change-me"),
            reconciliation_threshold=_env_float("NEWINFRA_RECONCILIATION_THRESHOLD", 0.05),
            smtp_host=_env("NEWINFRA_SMTP_HOST", ""),
            smtp_port=_env_int("NEWINFRA_SMTP_PORT", 25),
            smtp_user=_env("NEWINFRA_SMTP_USER", ""),
            smtp_password=_env("NEWINFRA_SMTP_PASSWORD", ""),
            smtp_starttls=_env("NEWINFRA_SMTP_STARTTLS", "false").lower() in ("1", "true", "yes"),
            mail_from=_env("NEWINFRA_MAIL_FROM", "newinfra@localhost"),
            mail_to=mail_to,
            http_connect_timeout_s=_env_float("NEWINFRA_HTTP_CONNECT_TIMEOUT", 5.0),
            http_read_timeout_s=_env_float("NEWINFRA_HTTP_READ_TIMEOUT", 15.0),
            http_retries=_env_int("NEWINFRA_HTTP_RETRIES", 3),
            http_user_agent=_env(
                "NEWINFRA_HTTP_USER_AGENT", "newinfra-public-stats/1.0 (+Guizhou new-infrastructure plan tracker)"
            ),
            http_min_delay_s=_env_float("NEWINFRA_HTTP_MIN_DELAY", 2.0),
            timezone=_env("NEWINFRA_TIMEZONE", "Asia/Shanghai"),
            duckdb_memory_limit=_env_memory("NEWINFRA_DUCKDB_MEMORY_LIMIT", "3GB"),
            report_pdf=_env_choice("NEWINFRA_REPORT_PDF", "auto", ("auto", "on", "off")),
            report_org=_env("NEWINFRA_REPORT_ORG", ""),
            report_reviewer=_env("NEWINFRA_REPORT_REVIEWER", ""),
            report_issuer=_env("NEWINFRA_REPORT_ISSUER", ""),
            report_contact=_env("NEWINFRA_REPORT_CONTACT", ""),
            report_approvers=tuple(
                a.strip() for a in _env("NEWINFRA_REPORT_APPROVERS", "").split(",") if a.strip()
            ),
            report_approval_days=_env_float("NEWINFRA_REPORT_APPROVAL_DAYS", 5.0),
        )

    # Paths under NEWINFRA_HOME -------------------------------------------------------------
    @property
    def warehouse(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def lock_file(self) -> Path:
        return self.home / "warehouse.lock"

    @property
    def landing(self) -> Path:
        return self.home / "landing"

    @property
    def archive(self) -> Path:
        return self.home / "archive"

    @property
    def quarantine(self) -> Path:
        return self.home / "quarantine"

    @property
    def feedback(self) -> Path:
        return self.home / "feedback"

    @property
    def exports(self) -> Path:
        return self.home / "exports"

    @property
    def published(self) -> Path:
        return self.home / "published"

    @property
    def published_warehouse(self) -> Path:
        return self.published / "marts.duckdb"
