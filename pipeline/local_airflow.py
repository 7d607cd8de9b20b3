"""A local Airflow without a scheduler, for ``make demo`` and ``newinfra airflow-cycle``.

:func:`airflow_env` / :func:`prepare_airflow_home` give a SQLite-backed ``AIRFLOW_HOME`` (by default
``NEWINFRA_HOME/airflow``) with the ``duckdb_writer`` pool, and :func:`run_cycle` runs
``airflow dags test`` of the four DAGs in order for one report period.

The report DAG waits for a person at ``approve_package`` (docs/report.md "审核与签发 / sign-off");
``airflow dags test`` keeps the run alive until a response is written to its metadata DB. The runner
reads the run's log as it comes; when the wait starts it either answers with the
:class:`Decision` it was given, as a named approver, through the handler of Airflow's REST route
``PATCH …/taskInstances/{task_id}/{map_index}/hitlDetails`` run against that DB (:func:`respond`,
in a child process with the run's environment), or, given none, stops the run there and says so.
Nothing answers for a person who was not named.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dags.common.constants import (
    CYCLE_DAGS,
    DAG_MONTHLY_REPORT,
    DAGS_FOLDER,
    DBT_MANIFEST,
    POOL,
    POOL_DESCRIPTION,
    POOL_SLOTS,
)
from dags.common.schedule import logical_date_for_period
from newinfra.errors import PlatformError
from newinfra.settings import DBT_PROJECT_DIR, PROJECT_ROOT, Settings


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
        # The tasks check templates with the key of the settings this cycle runs for (the one that
        # signed them), not whatever the caller's environment holds.
        NEWINFRA_TEMPLATE_SECRET=settings_.template_secret,
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


_STARTING_TASK = re.compile(r"\[DAG TEST\] starting task_id=(\S+)")
# Printed every second by `dags test` while a human-in-the-loop task waits (airflow.sdk DAG.test).
_AWAITING_INPUT = re.compile(r"Waiting for Human-in-the-loop input for tasks: \[([^\]]*)\]")


class _Stop(Exception):
    """Raised by a line handler to end the child run; its message is added to the run's log."""


def _run_streaming(
    cmd: Sequence[str], env: Mapping[str, str], timeout: float | None, on_line: Callable[[str], None]
) -> subprocess.CompletedProcess:
    """``_run`` that reads the merged log line by line and hands each line to ``on_line``; a
    ``_Stop`` from it kills the child (return code -9) and its message ends the log."""
    deadline = None if timeout is None else time.monotonic() + timeout
    lines: list[str] = []
    with subprocess.Popen(
        list(cmd),
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
        cwd=str(PROJECT_ROOT),
    ) as proc:
        assert proc.stdout is not None
        try:
            for line in proc.stdout:
                lines.append(line)
                on_line(line)
                if deadline is not None and time.monotonic() > deadline:
                    proc.kill()
                    raise subprocess.TimeoutExpired(list(cmd), timeout or 0, "".join(lines))
        except _Stop as stop:
            proc.kill()
            lines.append(f"\n{stop}\n")
        returncode = proc.wait()
    return subprocess.CompletedProcess(list(cmd), returncode, "".join(lines), "")


@dataclass(frozen=True)
class Decision:
    """A named person's answer to the report DAG's approval task, given by the local runner as the
    REST API would give it (docs/report.md "审核与签发 / sign-off"): approve, or reject with a reason."""

    by: str
    approve: bool = True
    reason: str = ""

    @property
    def option(self) -> str:
        return "Approve" if self.approve else "Reject"

    def label(self) -> str:
        return "通过 / approved" if self.approve else f"退回 / rejected（{self.reason}）"


def respond(
    env: Mapping[str, str], dag_id: str, logical_date: str, task_id: str, decision: Decision
) -> dict[str, Any]:
    """Answer the waiting human-in-the-loop ``task_id`` of the ``dag_id`` run of ``logical_date`` in
    the metadata DB of ``env``: a child process (this module's ``respond`` command, with the run's
    environment) calls the handler of Airflow's ``PATCH …/hitlDetails`` route as ``decision.by``.
    Returns the route's response; ``PlatformError`` when Airflow refused it (with its reason)."""
    import json

    proc = _run(
        [
            sys.executable,
            "-m",
            "pipeline.local_airflow",
            "respond",
            dag_id,
            logical_date,
            task_id,
            decision.option,
            decision.by,
            decision.reason,
        ],
        env,
        timeout=300,
    )
    _check(proc, f"审核答复 / answering {dag_id}.{task_id}")
    answer = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    return json.loads(answer[-1])


def _respond_here(dag_id: str, logical_date: str, task_id: str, option: str, by: str, reason: str) -> dict:
    """In this process (configured by the environment): the handler of
    ``PATCH /api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/-1/hitlDetails`` —
    the same checks (assigned users through the auth manager, valid options, answered once) and
    the same resume of the parked task — for the user ``by``."""
    from airflow.api_fastapi.app import create_auth_manager
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser
    from airflow.api_fastapi.core_api.datamodels.hitl import UpdateHITLDetailPayload
    from airflow.api_fastapi.core_api.routes.public.hitl import update_hitl_detail
    from airflow.models.dagrun import DagRun
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from airflow.utils.state import TaskInstanceState
    from fastapi import HTTPException
    from sqlalchemy import select

    create_auth_manager()  # the route asks it whether `by` is among the task's assigned users
    with create_session() as session:
        waiting = session.execute(
            select(TaskInstance.run_id, DagRun.logical_date)
            .join(DagRun, (DagRun.dag_id == TaskInstance.dag_id) & (DagRun.run_id == TaskInstance.run_id))
            .where(
                TaskInstance.dag_id == dag_id,
                TaskInstance.task_id == task_id,
                TaskInstance.state == TaskInstanceState.AWAITING_INPUT,
            )
        ).all()
        runs = [run_id for run_id, when in waiting if when and when.isoformat()[:10] == logical_date[:10]]
        if len(runs) != 1:
            raise PlatformError(
                f"找不到唯一等待审核的任务 {dag_id}.{task_id}（逻辑日期 {logical_date}）：{runs}",
                f"no single waiting {dag_id}.{task_id} for logical date {logical_date}: {runs}",
            )
        try:
            response = update_hitl_detail(
                dag_id=dag_id,
                dag_run_id=runs[0],
                task_id=task_id,
                update_hitl_detail_payload=UpdateHITLDetailPayload(
                    chosen_options=[option], params_input={"reason": reason}
                ),
                user=SimpleAuthManagerUser(username=by, role="op"),
                session=session,
                map_index=-1,
            )
        except HTTPException as exc:
            raise PlatformError(
                f"Airflow 拒绝了审核答复（{exc.status_code}）：{exc.detail}",
                f"Airflow refused the answer ({exc.status_code}): {exc.detail}",
            ) from exc
        return {"run_id": runs[0], **response.model_dump(mode="json")}


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
    # The human-in-the-loop answers given during the run (``respond``'s results), in order.
    answers: list[dict[str, Any]] = field(default_factory=list)
    # The task left waiting for a person (no decision given): the run was stopped there.
    awaiting: str | None = None

    def tail(self, n: int = 40) -> str:
        return "\n".join(self.output.strip().splitlines()[-n:])


def dags_test(
    dag_id: str,
    logical_date: dt.date | dt.datetime | str,
    env: Mapping[str, str],
    conf: Mapping[str, Any] | None = None,
    timeout: float | None = 1800,
    on_task: Callable[[str], None] | None = None,
    decision: Decision | None = None,
) -> DagTestResult:
    """``airflow dags test DAG_ID LOGICAL_DATE`` in a child process; ok when the run succeeded.

    The log is read as it comes: ``on_task(task_id)`` is called as each task starts (``[DAG TEST]
    starting task_id=…``), so that a person sees which task is running. When a task waits for a
    person (the report's ``approve_package``), ``decision`` answers it (:func:`respond`); without
    one the run is stopped there (``awaiting`` names the task; not ok)."""
    import json

    when = logical_date if isinstance(logical_date, str) else logical_date.isoformat()
    cmd = [airflow_executable(), "dags", "test", dag_id, when]
    if conf:
        cmd += ["--conf", json.dumps(dict(conf))]
    answers: list[dict[str, Any]] = []
    answered: set[str] = set()
    awaiting: list[str] = []

    def on_line(line: str) -> None:
        found = _STARTING_TASK.search(line)
        if found and on_task is not None:
            on_task(found.group(1))
        waiting = _AWAITING_INPUT.search(line)
        if not waiting:
            return
        for task_id in re.findall(r"'([^']+)'", waiting.group(1)):
            if task_id in answered:
                continue  # answered: `dags test` resumes it at its next loop
            if decision is None:
                awaiting.append(task_id)
                raise _Stop(
                    f"[newinfra] {dag_id}.{task_id} 等待审核，本次运行未指定审核决定，停止于此 / "
                    f"waits for a decision and none was given: stopped here"
                )
            try:
                answers.append(respond(env, dag_id, when, task_id, decision))
            except PlatformError as exc:
                raise _Stop(f"[newinfra] {exc.message_zh}\n{exc.message_en}") from exc
            answered.add(task_id)
            print(f"[newinfra] {dag_id}.{task_id}: {decision.by} {decision.label()}", flush=True)

    start = time.perf_counter()
    proc = _run_streaming(cmd, env, timeout, on_line)
    seconds = time.perf_counter() - start
    output = proc.stdout + proc.stderr
    # a run with no task at all (e.g. a logical date before start_date) is not a success
    ok = proc.returncode == 0 and "DagRun failed" not in output and "[DAG TEST] starting task" in output
    return DagTestResult(
        dag_id, when, ok, seconds, proc.returncode, output, answers, awaiting[0] if awaiting else None
    )


def run_cycle(
    settings_: Settings,
    period: str,
    airflow_home: Path | None = None,
    dag_ids: Sequence[str] = CYCLE_DAGS,
    conf: Mapping[str, Any] | None = None,
    on_result: Callable[[DagTestResult], None] | None = None,
    on_task: Callable[[str, str], None] | None = None,
    decision: Decision | None = None,
) -> list[DagTestResult]:
    """Run ``airflow dags test`` of each DAG, in order, with the logical date whose monthly report
    is ``period`` (the 6th of the month after). Stops at the first failed DAG. ``on_task(dag_id,
    task_id)`` is called as each task starts. ``decision`` answers the report's approval task as a
    named approver; without it the report run stops at the approval wait (see :func:`dags_test`)."""
    from newinfra.periods import parse_period

    parse_period(period)
    env = prepare_airflow_home(settings_, airflow_home)
    when = logical_date_for_period(period)
    results = []
    for dag_id in dag_ids:
        result = dags_test(
            dag_id,
            when,
            env,
            conf=conf if dag_id == DAG_MONTHLY_REPORT else None,
            on_task=None if on_task is None else (lambda task_id, d=dag_id: on_task(d, task_id)),
            decision=decision,
        )
        results.append(result)
        if on_result:
            on_result(result)
        if not result.ok:
            break
    return results


def main(argv: list[str] | None = None) -> int:
    """``python -m pipeline.local_airflow respond DAG_ID LOGICAL_DATE TASK_ID OPTION BY [REASON]``:
    :func:`_respond_here` in this process (run by :func:`respond` with the run's environment)."""
    import json

    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) not in (6, 7) or args[0] != "respond":
        print(main.__doc__, file=sys.stderr)
        return 2
    dag_id, when, task_id, option, by = args[1:6]
    reason = args[6] if len(args) == 7 else ""
    try:
        out = _respond_here(dag_id, when, task_id, option, by, reason)
    except PlatformError as exc:
        print(f"错误：{exc.message_zh}\nError: {exc.message_en}", file=sys.stderr)
        return 1
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
