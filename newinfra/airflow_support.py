"""What the Airflow DAGs (``dags/``) share, and a local Airflow for running them without a scheduler.

The DAG side: the pool and asset names, ``default_args`` (owner, retries with exponential backoff,
the failure callback), the failure callback itself (logs; e-mails when SMTP is configured) and the
report period of a run, taken from the run's data interval (never the wall clock).

The local side: :func:`airflow_env` / :func:`prepare_airflow_home` give a SQLite-backed
``AIRFLOW_HOME`` (by default ``NEWINFRA_HOME/airflow``) with the ``duckdb_writer`` pool, and
:func:`run_cycle` runs ``airflow dags test`` of the four DAGs in order for one report period —
what ``newinfra airflow-cycle --period YYYY-MM`` and ``make demo`` use.

Only the standard library is imported at module level: the DAG files import this module at parse
time, and the ``newinfra`` CLI must start quickly.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import smtplib
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from newinfra.errors import PlatformError, UserInputError
from newinfra.settings import DBT_PROJECT_DIR, PROJECT_ROOT, Settings

log = logging.getLogger(__name__)

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

# Retries: 2 more tries, 2 min then 4 min later (exponential, capped at 30 min).
RETRIES = 2
RETRY_DELAY = dt.timedelta(minutes=2)
RETRY_BACKOFF = 2.0
MAX_RETRY_DELAY = dt.timedelta(minutes=30)
EXECUTION_TIMEOUT = dt.timedelta(hours=2)

# The wrapper Cosmos runs instead of dbt: it takes the warehouse lock, then runs dbt.
DBT_LOCKED_EXECUTABLE = PROJECT_ROOT / "newinfra" / "bin" / "dbt-locked"
# Cosmos renders the dbt DAG from this manifest (`make dbt-parse` writes it).
DBT_MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"


# --- DAG side ---------------------------------------------------------------------------------------


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


def settings() -> Settings:
    """The platform's settings, read at task run time."""
    return Settings.from_env()


def local_timezone() -> str:
    """The platform's time zone (``NEWINFRA_TIMEZONE``) for the DAGs' cron schedules: an environment
    read only, cheap at parse time."""
    return Settings.from_env().timezone


# The plan's first month: a run whose logical date is before a DAG's start_date runs NO task (and
# still "succeeds"), so backfills of the plan's early months need this early start.
START_DATE = dt.datetime(2022, 1, 1, tzinfo=dt.UTC)


def _ctx(context: Mapping[str, Any], key: str) -> Any:
    try:
        return context[key]
    except (KeyError, TypeError):
        return None


def failure_message(context: Mapping[str, Any]) -> tuple[str, str]:
    """Subject and body of the failure notice for a task's context."""
    ti = _ctx(context, "ti") or _ctx(context, "task_instance")
    dag_id = getattr(ti, "dag_id", None) or getattr(_ctx(context, "dag"), "dag_id", "?")
    task_id = getattr(ti, "task_id", "?")
    run_id = _ctx(context, "run_id") or getattr(ti, "run_id", "?")
    try_number = getattr(ti, "try_number", "?")
    exception = _ctx(context, "exception")
    log_url = getattr(ti, "log_url", "") or ""
    subject = f"[newinfra] 任务失败 / task failed: {dag_id}.{task_id}"
    lines = [
        f"DAG: {dag_id}",
        f"任务 / task: {task_id}",
        f"运行 / run: {run_id}",
        f"尝试次数 / try: {try_number}",
        f"数据区间 / data interval: {_ctx(context, 'data_interval_start')} .. {_ctx(context, 'data_interval_end')}",
        f"错误 / error: {type(exception).__name__ + ': ' if exception else ''}{exception or '(none)'}",
    ]
    if log_url:
        lines.append(f"日志 / log: {log_url}")
    return subject, "\n".join(lines) + "\n"


def send_mail(settings_: Settings, subject: str, body: str) -> bool:
    """Send a plain-text mail with the platform's SMTP settings; False when SMTP is not configured."""
    if not settings_.smtp_host or not settings_.mail_to:
        return False
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = settings_.mail_from
    msg["To"] = ", ".join(settings_.mail_to)
    msg.set_content(body)
    with smtplib.SMTP(
        settings_.smtp_host, settings_.smtp_port, timeout=settings_.http_read_timeout_s
    ) as smtp:
        if settings_.smtp_starttls:
            smtp.starttls()
        if settings_.smtp_user:
            smtp.login(settings_.smtp_user, settings_.smtp_password)
        smtp.send_message(msg)
    return True


def notify_failure(context: Mapping[str, Any]) -> None:
    """``on_failure_callback`` of every task: log the failure; e-mail it when SMTP is configured.

    Never raises: a broken mail server must not hide the task's own error.
    """
    subject, body = failure_message(context)
    log.error("%s\n%s", subject, body)
    try:
        if send_mail(Settings.from_env(), subject, body):
            log.info("failure notice mailed")
    except Exception as exc:  # noqa: BLE001 - the callback must not fail
        log.warning("could not mail the failure notice: %s", exc)


def report_period_for_interval(data_interval_end: dt.datetime, timezone: str = "Asia/Shanghai") -> str:
    """The report period of a monthly-report run: the month before the run's data-interval end, in
    local time.

    The DAG is scheduled with ``CronTriggerTimetable("0 8 6 * *")`` (Airflow 3's default for cron):
    its runs have ``data_interval_start == data_interval_end == logical_date`` (2024-07-06 08:00 ->
    2024-06). With ``CronDataIntervalTimetable`` the run scheduled on 2024-07-06 has the interval
    2024-06-06 .. 2024-07-06 and the same end, so either timetable gives 2024-06. A manual run or
    ``airflow dags test newinfra_monthly_report 2024-07-06`` gives the same.
    """
    from newinfra.periods import report_period_for_run

    end = data_interval_end
    if end.tzinfo is not None:
        from zoneinfo import ZoneInfo

        end = end.astimezone(ZoneInfo(timezone))
    return report_period_for_run(end)


def report_period_from_context(context: Mapping[str, Any], timezone: str = "Asia/Shanghai") -> str:
    """The report period of a run: ``params.period`` when given (re-running a month by hand), else
    from the data interval (see :func:`report_period_for_interval`)."""
    from newinfra.periods import parse_period

    params = _ctx(context, "params") or {}
    override = str(params.get("period") or "").strip()
    if override:
        parse_period(override)
        return override
    end = _ctx(context, "data_interval_end") or _ctx(context, "logical_date")
    if end is None:
        raise UserInputError(
            "该运行没有逻辑日期，无法确定报告期：请指定逻辑日期（如 2024-07-06 对应 2024-06）或参数 period",
            "this run has no logical date, so no report period: give a logical date "
            "(2024-07-06 reports 2024-06) or the 'period' param",
        )
    return report_period_for_interval(end, timezone)


def logical_date_for_period(period: str) -> dt.date:
    """The logical date whose monthly-report run reports ``period``: the 6th of the month after."""
    from newinfra.periods import next_period, parse_period

    year, month = parse_period(next_period(period))
    return dt.date(year, month, REPORT_DAY)


def summarize(results: Sequence[Any], status_attr: str = "status") -> dict[str, int]:
    """Count results by their status (``FileResult``/``SourceResult`` objects or dicts)."""
    counts: dict[str, int] = {}
    for result in results:
        status = (
            result.get(status_attr) if isinstance(result, Mapping) else getattr(result, status_attr, None)
        )
        key = str(getattr(status, "value", status))
        counts[key] = counts.get(key, 0) + 1
    return counts


def to_jsonable(value: Any) -> Any:
    """A dataclass / Path / date result made JSON-safe for XCom and the task log."""
    import dataclasses
    import enum

    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    if isinstance(value, enum.Enum):
        return to_jsonable(value.value)
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


# --- the dbt group of the transform DAG (Cosmos) ----------------------------------------------------


DBT_MODE_BUILD = "build"  # one Cosmos task: `dbt build` (the DAG's choice: benchmarks/bench_transform.py)
DBT_MODE_WATCHER = "watcher"  # the Cosmos WATCHER group: the same build + one sensor per node


def dbt_tasks(task_id: str = "dbt_build", mode: str = DBT_MODE_BUILD, **operator_args: Any) -> Any:
    """The dbt build of the transform DAG, through astronomer-cosmos; must be called in a DAG.

    Both modes run ONE ``dbt build`` (seeds, models, tests) with ``newinfra/bin/dbt-locked`` (the
    warehouse file lock for the whole build) in a subprocess (the DuckDB file is closed when it
    ends: STACK.md), holding the ``duckdb_writer`` pool, with the same dbt vars as
    ``newinfra.transform.build``:

    - ``build`` (the DAG's): one ``DbtBuildLocalOperator`` task. Overhead over plain ``dbt build``:
      the project copied to a temporary folder, dbt's partial parse carried over in Cosmos's cache.
    - ``watcher``: a ``DbtTaskGroup`` in ``ExecutionMode.WATCHER``, rendered from the manifest
      (``LoadMode.DBT_MANIFEST``): the producer runs the build and pushes each node's status to
      XCom; one sensor per seed/model (and per model's tests) shows that node's outcome. Costs a
      few XCom writes per node in the producer and one task per sensor: measured 2-3x plain
      ``dbt build`` on this project (benchmarks/bench_transform.py), hence not the default.
    """
    if mode == DBT_MODE_WATCHER:
        return _dbt_watcher_group(task_id, **operator_args)
    if mode != DBT_MODE_BUILD:
        raise ValueError(f"unknown dbt mode {mode!r}")
    from cosmos import ProfileConfig
    from cosmos import settings as cosmos_settings
    from cosmos.constants import InvocationMode
    from cosmos.operators.local import DbtBuildLocalOperator

    args: dict[str, Any] = _cosmos_operator_args()
    # where Cosmos keeps dbt's partial parse between runs (without it every run re-parses the
    # project: ~6 s here); AIRFLOW__COSMOS__CACHE_DIR, default /tmp/cosmos
    args["cache_dir"] = Path(cosmos_settings.cache_dir) / f"newinfra__{task_id}"
    args.update(operator_args)
    return DbtBuildLocalOperator(
        task_id=task_id,
        project_dir=str(DBT_PROJECT_DIR),
        profile_config=ProfileConfig(
            profile_name="newinfra",
            target_name="dev",
            profiles_yml_filepath=DBT_PROJECT_DIR / "profiles.yml",
        ),
        dbt_executable_path=str(DBT_LOCKED_EXECUTABLE),
        invocation_mode=InvocationMode.SUBPROCESS,
        pool=POOL,
        **args,
    )


def _cosmos_operator_args() -> dict[str, Any]:
    return {
        "vars": dbt_vars(),
        "emit_datasets": False,
        "append_env": True,
        # the Python of this Airflow, for newinfra/bin/dbt-locked
        "env": {"NEWINFRA_PYTHON": sys.executable},
    }


def _dbt_watcher_group(group_id: str, **operator_args: Any) -> Any:
    """The WATCHER group (see :func:`dbt_tasks`). The producer holds the pool
    (``setup_operator_args``: the producer only); the sensors only read XCom. On a retry of the
    producer Cosmos falls back to one ``dbt run --select <model>`` per sensor, each through
    ``dbt-locked`` too. The producer is made upstream of the root sensors with trigger rule
    ``all_done`` (Cosmos does this only for a ``DbtDag``, and with ``always``, which does not wait):
    under ``airflow dags test`` (one process, tasks in turn) a sensor that ran before the producer
    would wait for it forever."""
    from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
    from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, TestBehavior

    if not DBT_MANIFEST.exists():
        raise FileNotFoundError(
            f"dbt manifest not found: {DBT_MANIFEST} — run `make dbt-parse` (or `newinfra airflow-cycle`)"
        )
    args = _cosmos_operator_args()
    args.update(operator_args)
    group = DbtTaskGroup(
        group_id=group_id,
        project_config=ProjectConfig(
            manifest_path=DBT_MANIFEST,
            project_name="newinfra",
            partial_parse=True,
            install_dbt_deps=False,  # no dbt packages (no network for `dbt deps` here)
        ),
        profile_config=ProfileConfig(
            profile_name="newinfra",
            target_name="dev",
            profiles_yml_filepath=DBT_PROJECT_DIR / "profiles.yml",
        ),
        execution_config=ExecutionConfig(
            execution_mode=ExecutionMode.WATCHER,
            invocation_mode=InvocationMode.SUBPROCESS,
            dbt_executable_path=str(DBT_LOCKED_EXECUTABLE),
            dbt_project_path=DBT_PROJECT_DIR,
            setup_operator_args={"pool": POOL},
        ),
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            test_behavior=TestBehavior.AFTER_EACH,
        ),
        operator_args=args,
    )
    _producer_first(group)
    return group


def dbt_vars(period: str | None = None) -> dict[str, object]:
    """The dbt vars from the platform's settings, as ``newinfra.transform.dbt_vars`` gives them
    (that module imports DuckDB, too heavy for DAG parsing; a test keeps the two equal)."""
    settings_ = Settings.from_env()
    values: dict[str, object] = {
        "on_time_days": settings_.on_time_days,
        "reconciliation_threshold": settings_.reconciliation_threshold,
    }
    if period:
        values["report_period"] = period
    return values


def _producer_first(group: Any) -> None:
    """Put the watcher producer upstream of every root sensor of ``group`` (trigger rule all_done)."""
    from airflow.sdk import TriggerRule

    tasks = {t.task_id: t for t in _walk(group)}
    producer = next(t for tid, t in tasks.items() if tid.endswith(".dbt_producer_watcher"))
    done = next((t for tid, t in tasks.items() if tid.endswith(".dbt_producer_watcher_done")), None)
    for task in tasks.values():
        if task is producer or task is done:
            continue
        if not (task.upstream_task_ids & tasks.keys()):
            producer >> task
            task.trigger_rule = TriggerRule.ALL_DONE


def _walk(group: Any) -> list[Any]:
    out = []
    for child in group.children.values():
        if hasattr(child, "children"):
            out.extend(_walk(child))
        else:
            out.append(child)
    return out


# --- a local Airflow (no scheduler): AIRFLOW_HOME under NEWINFRA_HOME, `airflow dags test` --------


def airflow_executable() -> str:
    candidate = Path(sys.executable).with_name("airflow")
    if candidate.exists():
        return str(candidate)
    found = shutil.which("airflow")
    if not found:
        raise PlatformError("找不到 airflow 命令，请运行 make install", "airflow executable not found")
    return found


def airflow_env(
    settings_: Settings, airflow_home: Path | None = None, base: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Environment for a local Airflow: SQLite metadata DB under ``airflow_home`` (default
    ``NEWINFRA_HOME/airflow``), this repository's ``dags/``, examples and telemetry off."""
    home = Path(airflow_home or settings_.home / "airflow").resolve()
    env = dict(os.environ if base is None else base)
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__DAGS_FOLDER=str(DAGS_FOLDER),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{home / 'airflow.db'}",
        AIRFLOW__LOGGING__BASE_LOG_FOLDER=str(home / "logs"),
        AIRFLOW__COSMOS__ENABLE_TELEMETRY="False",
        AIRFLOW__COSMOS__CACHE_DIR=str(home / "cosmos"),
        NEWINFRA_HOME=str(settings_.home),
        DBT_SEND_ANONYMOUS_USAGE_STATS="False",
        SODA_CORE_TELEMETRY_ENABLED="false",
        SCARF_ANALYTICS="false",
        DO_NOT_TRACK="1",
    )
    # `airflow standalone` starts its components as `airflow ...` from PATH: this interpreter's first.
    bin_dir = str(Path(sys.executable).parent)
    if env.get("PATH", "").split(os.pathsep)[0] != bin_dir:
        env["PATH"] = os.pathsep.join([bin_dir, env.get("PATH", "")])
    # A local Airflow must not inherit another metadata DB or dbt target from the caller.
    for name in ("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC", "DBT_TARGET_PATH", "DBT_PROFILES_DIR"):
        env.pop(name, None)
    return env


def _run(
    cmd: Sequence[str], env: Mapping[str, str], timeout: float | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        list(cmd), env=dict(env), capture_output=True, text=True, timeout=timeout, cwd=str(PROJECT_ROOT)
    )


def _check(proc: subprocess.CompletedProcess, what: str) -> None:
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-30:])
        raise PlatformError(f"{what} 失败（退出码 {proc.returncode}）\n{tail}", f"{what} failed")


def ensure_pool(env: Mapping[str, str]) -> None:
    """Create (or reset) the ``duckdb_writer`` pool with its single slot."""
    proc = _run([airflow_executable(), "pools", "set", POOL, str(POOL_SLOTS), POOL_DESCRIPTION], env)
    _check(proc, f"airflow pools set {POOL}")


def prepare_airflow_home(settings_: Settings, airflow_home: Path | None = None) -> dict[str, str]:
    """Create the local AIRFLOW_HOME: ``airflow db migrate`` (once: skipped while the stamp is
    there), the pool, and the dbt manifest the transform DAG renders from. Returns its env."""
    env = airflow_env(settings_, airflow_home)
    home = Path(env["AIRFLOW_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    stamp = home / ".migrated"
    if not stamp.exists() or not (home / "airflow.db").exists():
        _check(_run([airflow_executable(), "db", "migrate"], env), "airflow db migrate")
        ensure_pool(env)
        stamp.write_text(dt.datetime.now(dt.UTC).isoformat() + "\n", encoding="utf-8")
    ensure_manifest(settings_)
    return env


def ensure_manifest(settings_: Settings, force: bool = False) -> Path:
    """``dbt parse`` into ``dbt_project/target`` when the manifest is missing (what ``make dbt-parse``
    does); the transform DAG renders its Cosmos tasks from it."""
    if DBT_MANIFEST.exists() and not force:
        return DBT_MANIFEST
    from newinfra.dbt import dbt_env, dbt_executable

    env = dbt_env(settings_)
    env["DBT_TARGET_PATH"] = str(DBT_MANIFEST.parent)
    proc = subprocess.run(
        [dbt_executable(), "parse", "--quiet"], cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True
    )
    _check(proc, "dbt parse")
    return DBT_MANIFEST


@dataclass
class DagTestResult:
    dag_id: str
    logical_date: str
    ok: bool
    seconds: float
    returncode: int
    output: str = field(repr=False, default="")

    def tail(self, n: int = 40) -> str:
        return "\n".join(self.output.strip().splitlines()[-n:])


def dags_test(
    dag_id: str,
    logical_date: dt.date | dt.datetime | str,
    env: Mapping[str, str],
    conf: Mapping[str, Any] | None = None,
    timeout: float | None = 1800,
) -> DagTestResult:
    """``airflow dags test DAG_ID LOGICAL_DATE`` in a child process; ok when the run succeeded."""
    import json

    when = logical_date if isinstance(logical_date, str) else logical_date.isoformat()
    cmd = [airflow_executable(), "dags", "test", dag_id, when]
    if conf:
        cmd += ["--conf", json.dumps(dict(conf))]
    start = time.perf_counter()
    proc = _run(cmd, env, timeout=timeout)
    seconds = time.perf_counter() - start
    output = proc.stdout + proc.stderr
    # a run with no task at all (e.g. a logical date before start_date) is not a success
    ok = proc.returncode == 0 and "DagRun failed" not in output and "[DAG TEST] starting task" in output
    return DagTestResult(dag_id, when, ok, seconds, proc.returncode, output)


def run_cycle(
    settings_: Settings,
    period: str,
    airflow_home: Path | None = None,
    dag_ids: Sequence[str] = CYCLE_DAGS,
    conf: Mapping[str, Any] | None = None,
    on_result: Callable[[DagTestResult], None] | None = None,
) -> list[DagTestResult]:
    """Run ``airflow dags test`` of each DAG, in order, with the logical date whose monthly report
    is ``period`` (the 6th of the month after). Stops at the first failed DAG."""
    from newinfra.periods import parse_period

    parse_period(period)
    env = prepare_airflow_home(settings_, airflow_home)
    when = logical_date_for_period(period)
    results = []
    for dag_id in dag_ids:
        result = dags_test(dag_id, when, env, conf=conf if dag_id == DAG_MONTHLY_REPORT else None)
        results.append(result)
        if on_result:
            on_result(result)
        if not result.ok:
            break
    return results
