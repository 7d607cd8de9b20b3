"""The production stack of docker-compose.yml on this machine, for the slow tests: the same Airflow
settings (the compose file's common ``environment``, interpolated as ``docker compose`` does for a
profile), an env file filled in as docs/deploy.md says, the real init (docker/init.sh: secrets check,
``airflow db migrate``, the pool, the FAB users, ``newinfra init``), then the Airflow components as
child processes on a private PostgreSQL (and Redis for the celery profile) from tests/dags/services.py.

Only what cannot be the same outside a container differs: paths (the repository's dags/, the test's
NEWINFRA_HOME, a temporary AIRFLOW_HOME), ports (free ones on 127.0.0.1), DAGs paused at creation
(so no cron DAG starts by itself), a 1 s scheduler heartbeat. Every component runs in its own process
group and is stopped by its pid at the end. Every wait polls with a deadline and, when it runs out,
shows the end of each component's log.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from services import Postgres, Redis, free_port

from newinfra.settings import PROJECT_ROOT
from pipeline import local_airflow

COMPOSE = PROJECT_ROOT / "docker-compose.yml"
DOCKER = PROJECT_ROOT / "docker"
HERE = Path(__file__).resolve().parent
ROLES = {"admin": "ADMIN", "op": "OP", "viewer": "VIEWER"}


def worker_hostname() -> str:
    """``[core] hostname_callable`` of the test's Celery workers: the name the test gave each one, so
    the metadata DB's task_instance.hostname tells the two workers on this one machine apart (in
    docker-compose.yml each worker is its own container with its own host name)."""
    return os.environ["NEWINFRA_TEST_WORKER"]


def interpolate(value: Any, env: Mapping[str, str]) -> Any:
    """Compose's ``${NAME:-default}`` / ``${NAME}`` interpolation of one value."""
    if not isinstance(value, str):
        return value
    return re.sub(
        r"\$\{([A-Z_0-9]+)(?::-([^}]*))?\}", lambda m: env.get(m.group(1)) or (m.group(2) or ""), value
    )


def compose_environment(compose_vars: Mapping[str, str]) -> dict[str, str]:
    """The Airflow services' ``environment`` in docker-compose.yml, interpolated with ``compose_vars``
    (e.g. ``{"AIRFLOW_EXECUTOR": "CeleryExecutor"}`` for the celery profile)."""
    compose = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    common = compose["x-airflow-common"]["environment"]
    return {name: str(interpolate(value, compose_vars)) for name, value in common.items()}


def env_file(pg: Postgres, redis: Redis | None, template_secret: str) -> dict[str, str]:
    """docker/.env filled in as docs/deploy.md says (fresh keys and passwords), for these servers."""
    from cryptography.fernet import Fernet

    text = (DOCKER / "airflow.env.example").read_text(encoding="utf-8")
    env = dict(re.findall(r"^([A-Z_0-9]+)=(.*)$", text, flags=re.M))
    env.update(
        POSTGRES_USER=pg.user,
        POSTGRES_PASSWORD=pg.password,
        POSTGRES_DB=pg.database,
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=pg.url,
        AIRFLOW__CORE__FERNET_KEY=Fernet.generate_key().decode(),
        AIRFLOW__API__SECRET_KEY=secrets.token_urlsafe(32),
        AIRFLOW__API_AUTH__JWT_SECRET=secrets.token_urlsafe(32),
        NEWINFRA_TEMPLATE_SECRET=template_secret,
        NEWINFRA_REPORT_PDF="off",  # LibreOffice's rendering is the exports tests' business
    )
    for role in ROLES.values():
        env[f"AIRFLOW_{role}_PASSWORD"] = secrets.token_urlsafe(16)
    if redis:
        env.update(REDIS_PASSWORD=redis.password, AIRFLOW__CELERY__BROKER_URL=redis.url)
    return env


@dataclass
class Stack:
    """One stack: its env, its API port, its processes (by name) and their logs."""

    root: Path
    env: dict[str, str]
    pg: Postgres
    port: int
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    flower_port: int = 0

    @classmethod
    def create(
        cls,
        root: Path,
        home: Path,
        pg: Postgres,
        redis: Redis | None = None,
        template_secret: str = "",
    ) -> Stack:
        from newinfra.settings import Settings

        executor = "CeleryExecutor" if redis else ""
        compose = compose_environment({"AIRFLOW_EXECUTOR": executor} if executor else {})
        airflow_home = root / "airflow"
        env = local_airflow.airflow_env(Settings(home=home), airflow_home)
        env.update(env_file(pg, redis, template_secret or secrets.token_urlsafe(32)))
        env.update(compose)
        port = free_port()
        env.update(
            # what differs from the containers: paths and ports on this machine
            AIRFLOW_HOME=str(airflow_home),
            AIRFLOW__CORE__DAGS_FOLDER=str(local_airflow.DAGS_FOLDER),
            NEWINFRA_HOME=str(home),
            AIRFLOW__CORE__EXECUTION_API_SERVER_URL=f"http://127.0.0.1:{port}/execution/",
            AIRFLOW__API__HOST="127.0.0.1",
            AIRFLOW__API__PORT=str(port),
            AIRFLOW__API__BASE_URL=f"http://127.0.0.1:{port}",
            AIRFLOW__LOGGING__BASE_LOG_FOLDER=str(airflow_home / "logs"),
            AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT=str(free_port()),
            AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT=str(free_port()),
            # the test decides what runs: no cron DAG starts by itself; a quick scheduler loop
            AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION="True",
            AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC="1",
            AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL="5",
            AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK="False",
            NEWINFRA_LOCK_TIMEOUT="300",
            NEWINFRA_LANDING_SETTLE_SECONDS="0",  # the demo files were written before the stack started
            PYTHONPATH=os.pathsep.join(p for p in (str(HERE), os.environ.get("PYTHONPATH", "")) if p),
        )
        env.pop("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC", None)
        airflow_home.mkdir(parents=True, exist_ok=True)
        (root / "logs").mkdir(exist_ok=True)
        return cls(root=root, env=env, pg=pg, port=port)

    # --- processes -------------------------------------------------------------------------------

    def log(self, name: str) -> Path:
        return self.root / "logs" / f"{name}.log"

    def run_init(self, timeout: float = 600) -> str:
        """docker/init.sh, as the compose file's airflow-init runs it; its output."""
        proc = subprocess.run(
            [str(DOCKER / "init.sh")],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=str(self.root),
        )
        output = proc.stdout + proc.stderr
        self.log("init").write_text(output, encoding="utf-8")
        assert proc.returncode == 0, f"docker/init.sh failed ({proc.returncode}):\n{output[-4000:]}"
        return output

    def start(self, name: str, argv: list[str], **extra_env: str) -> subprocess.Popen:
        with self.log(name).open("w") as out:
            proc = subprocess.Popen(
                argv,
                env={**self.env, **extra_env},
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=str(self.root),
                start_new_session=True,  # its own process group, stopped as one by its pid
            )
        self.procs[name] = proc
        return proc

    def start_airflow(self, name: str, *args: str, **extra_env: str) -> subprocess.Popen:
        return self.start(name, [local_airflow.airflow_executable(), *args], **extra_env)

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)

    def tails(self, n: int = 40) -> str:
        parts = []
        for path in sorted((self.root / "logs").glob("*.log")):
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()[-n:]
            parts.append(f"--- {path.name}\n" + "\n".join(lines))
        return "\n".join(parts)

    def wait(self, what: str, check: Callable[[], Any], timeout: float) -> Any:
        """Poll ``check`` every 2 s until it returns a true value; fail when a component exited or
        the deadline passed, with the end of every log."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = check()
            if value:
                return value
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    raise AssertionError(
                        f"{name} exited ({proc.returncode}) waiting for {what}\n{self.tails()}"
                    )
            time.sleep(2)
        raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}\n{self.tails()}")

    # --- the API, as a user ----------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def login(self, role: str) -> tuple[str, str]:
        """(user name, password) of a role's user, from the env file."""
        key = ROLES[role]
        username = self.env.get(f"AIRFLOW_{key}_USERNAME") or "admin"
        return username, self.env[f"AIRFLOW_{key}_PASSWORD"]

    def token(self, role: str) -> str:
        import httpx

        username, password = self.login(role)
        response = httpx.post(
            f"{self.url}/auth/token", json={"username": username, "password": password}, timeout=60
        )
        assert response.status_code in (200, 201), f"token for {role}: {response.status_code} {response.text}"
        return response.json()["access_token"]

    def api(self, method: str, path: str, token: str | None = None, **kwargs: Any):
        import httpx

        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.request(method, f"{self.url}/api/v2{path}", headers=headers, timeout=60, **kwargs)

    def api_ready(self) -> bool:
        import httpx

        try:
            return httpx.get(f"{self.url}/api/v2/monitor/health", timeout=5).status_code == 200
        except httpx.HTTPError:
            return False

    def unpause(self, token: str, *dag_ids: str) -> None:
        for dag_id in dag_ids:
            response = self.api("PATCH", f"/dags/{dag_id}", token, json={"is_paused": False})
            assert response.status_code == 200, f"unpause {dag_id}: {response.status_code} {response.text}"

    def trigger(self, token: str | None, dag_id: str, **body: Any):
        return self.api("POST", f"/dags/{dag_id}/dagRuns", token, json={"logical_date": None, **body})

    def stop_scheduled_run(self, token: str, dag_id: str, timeout: float = 120) -> str:
        """Unpausing a cron DAG (catchup off) makes the scheduler create its latest run at once — for
        the report DAG, the package of last month, which the demo data of 2022 cannot give. Wait for
        that run and mark it failed through the API, as an operator would; returns its run id."""
        run_id = self.wait(
            f"the scheduled run of {dag_id}",
            lambda: next(iter(self.pg.query(
                "select run_id from dag_run where dag_id = %s and run_type = 'scheduled'", dag_id
            )), (None,))[0],
            timeout,
        )  # fmt: skip
        response = self.api("PATCH", f"/dags/{dag_id}/dagRuns/{run_id}", token, json={"state": "failed"})
        assert response.status_code == 200, f"mark {run_id} failed: {response.status_code} {response.text}"
        return run_id

    # --- the metadata DB -------------------------------------------------------------------------

    def registered(self, dag_ids: set[str]) -> bool:
        return dag_ids <= {r[0] for r in self.pg.query("select dag_id from dag")}

    def run_state(self, dag_id: str, run_id: str | None = None, run_type: str | None = None) -> str | None:
        """The state of a run (by id, or the latest of a type); raises when it failed."""
        sql = "select run_id, state from dag_run where dag_id = %s"
        params: list[Any] = [dag_id]
        if run_id:
            sql += " and run_id = %s"
            params.append(run_id)
        if run_type:
            sql += " and run_type = %s"
            params.append(run_type)
        rows = self.pg.query(sql + " order by id desc limit 1", *params)
        if not rows:
            return None
        state = rows[0][1]
        if state == "failed":
            failed = self.pg.query(
                "select task_id, state, hostname from task_instance where dag_id = %s and run_id = %s",
                dag_id,
                rows[0][0],
            )
            raise AssertionError(f"{dag_id} run {rows[0][0]} failed: {failed}\n{self.tails(80)}")
        return state
