"""docker-compose.yml without a Docker engine: valid against the Compose specification's JSON schema,
the production shape (PostgreSQL, the four Airflow components, init, healthchecks, env file, named
volumes), the `celery` profile (Redis, one warehouse worker with the data volume, scalable default
workers, Flower behind auth), the FAB auth manager, and every Airflow command it runs is a real
command of the installed Airflow 3. The init's secrets check (docker/preflight.py) is run for real.

The schema, tests/dags/compose-spec.json, is the Compose Specification's JSON schema (compose-spec,
Apache-2.0) as vendored unchanged in ``ecs_composex/specs/compose-spec.json`` of the PyPI package
ecs-composex 1.1.9 (the newest copy on a package registry this machine reaches; it has the 2024
keys: ``develop``, ``include``, ``start_interval``, ``gpus``, ``label_file``, hooks). Strict: unknown
keys are errors. It replaced the 2021 copy from docker-compose 1.29.2.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from newinfra.settings import PROJECT_ROOT

COMPOSE = PROJECT_ROOT / "docker-compose.yml"
SCHEMA = Path(__file__).with_name("compose-spec.json")
DOCKER = PROJECT_ROOT / "docker"
AIRFLOW_SERVICES = {
    "airflow-apiserver": "api-server",
    "airflow-scheduler": "scheduler",
    "airflow-dag-processor": "dag-processor",
    "airflow-triggerer": "triggerer",
}
CELERY_SERVICES = {"redis", "airflow-worker-warehouse", "airflow-worker", "airflow-flower"}
FAB = "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager"
# what `docker compose up` ran before the celery profile: these stay exactly as they were
DEFAULT_COMMANDS = {
    "airflow-init": ["/opt/newinfra/docker/init.sh"],
    "airflow-apiserver": ["airflow", "api-server", "--port", "8080"],
    "airflow-scheduler": ["airflow", "scheduler"],
    "airflow-dag-processor": ["airflow", "dag-processor"],
    "airflow-triggerer": ["airflow", "triggerer"],
}

DUMP_CLI = r"""
import json
from airflow.cli.cli_parser import get_parser

def walk(parser):
    out = {"options": sorted(o for a in parser._actions for o in a.option_strings), "commands": {}}
    for action in parser._actions:
        if action.__class__.__name__ == "_SubParsersAction":
            for name, sub in action.choices.items():
                out["commands"][name] = walk(sub)
    return out

print(json.dumps(walk(get_parser())))
"""


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def validator():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft201909Validator(schema)


def interpolate(value, env: dict[str, str]):
    """Compose's `${NAME:-default}` / `${NAME}` interpolation of one value (as `docker compose config`)."""
    if not isinstance(value, str):
        return value
    return re.sub(
        r"\$\{([A-Z_0-9]+)(?::-([^}]*))?\}", lambda m: env.get(m.group(1)) or (m.group(2) or ""), value
    )


def profile_services(compose: dict, profiles: set[str]) -> set[str]:
    """The services `docker compose --profile ...` starts: those without profiles, plus the active ones."""
    return {
        n for n, s in compose["services"].items() if not s.get("profiles") or set(s["profiles"]) & profiles
    }


@pytest.fixture(scope="module")
def airflow_cli(tmp_path_factory) -> dict:
    """Every command, sub-command and option of the installed Airflow's own CLI parser, configured as
    the celery profile is (the `celery` commands come with the CeleryExecutor, `users` with FAB)."""
    env = dict(
        os.environ,
        AIRFLOW_HOME=str(tmp_path_factory.mktemp("cli_home")),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__EXECUTOR="CeleryExecutor",
        AIRFLOW__CORE__AUTH_MANAGER=FAB,
    )
    proc = subprocess.run(
        [sys.executable, "-c", DUMP_CLI], env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_valid_against_the_compose_schema(compose, validator):
    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(compose)]
    assert errors == []


def test_the_schema_catches_mistakes(compose, validator):
    """The check can fail: a misspelt key or a wrong depends_on condition is an error."""
    bad = copy.deepcopy(compose)
    bad["services"]["airflow-scheduler"]["healthcheck"]["intervall"] = "30s"
    assert list(validator.iter_errors(bad))
    bad = copy.deepcopy(compose)
    bad["services"]["airflow-scheduler"]["depends_on"]["airflow-init"]["condition"] = "service_done"
    assert list(validator.iter_errors(bad))


def test_production_shape(compose):
    services = compose["services"]
    assert set(services) == {"postgres", "airflow-init", *AIRFLOW_SERVICES, *CELERY_SERVICES}
    assert services["postgres"]["image"].startswith("postgres:")
    assert "postgres-db:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    for name, service in services.items():
        assert service["env_file"] == ["docker/.env"], name  # secrets from the env file only
        env = service.get("environment", {})
        assert not any(re.search("PASSWORD|SECRET|FERNET", k) and not k.endswith("_FILE") for k in env), name
        if name != "airflow-init":
            assert "healthcheck" in service, name
            assert service["restart"] == "unless-stopped", name
    for name in (
        "airflow-init",
        *AIRFLOW_SERVICES,
        "airflow-worker-warehouse",
        "airflow-worker",
        "airflow-flower",
    ):
        service = services[name]
        assert service["build"] == {"context": ".", "dockerfile": "docker/Dockerfile"}
        env = service["environment"]
        assert env["AIRFLOW__CORE__AUTH_MANAGER"] == FAB, name  # roles, not the simple auth manager
        assert not any(k.startswith("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER") for k in env), name
        assert env["NEWINFRA_HOME"] == "/var/lib/newinfra"
        if name != "airflow-init":
            assert service["depends_on"]["airflow-init"] == {"condition": "service_completed_successfully"}
            assert service["depends_on"]["postgres"] == {"condition": "service_healthy"}
    assert services["airflow-init"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert set(compose["volumes"]) >= {"postgres-db", "newinfra-data", "airflow-logs"}


def test_default_profile_is_unchanged(compose):
    """`docker compose up` with no profile and no AIRFLOW_EXECUTOR: the same six services, commands,
    port and volumes as before the celery profile, and the LocalExecutor."""
    services = compose["services"]
    assert profile_services(compose, set()) == {"postgres", *DEFAULT_COMMANDS}
    for name, command in DEFAULT_COMMANDS.items():
        service = services[name]
        assert service["command"] == command, name
        assert interpolate(service["environment"]["AIRFLOW__CORE__EXECUTOR"], {}) == "LocalExecutor", name
        assert "newinfra-data:/var/lib/newinfra" in service["volumes"] or name == "airflow-apiserver"
    assert services["airflow-apiserver"]["ports"] == ["8080:8080"]
    # the executor is the only switch the celery profile needs in the default services
    assert interpolate(services["airflow-scheduler"]["environment"]["AIRFLOW__CORE__EXECUTOR"],
                       {"AIRFLOW_EXECUTOR": "CeleryExecutor"}) == "CeleryExecutor"  # fmt: skip


def _option(command: list[str], flag: str) -> str | None:
    return command[command.index(flag) + 1] if flag in command else None


def test_celery_profile(compose):
    services = compose["services"]
    assert profile_services(compose, {"celery"}) == {"postgres", *DEFAULT_COMMANDS, *CELERY_SERVICES}
    for name in CELERY_SERVICES:
        assert services[name]["profiles"] == ["celery"], name
    redis = services["redis"]
    assert redis["image"].startswith("redis:") and "ports" not in redis  # the broker stays inside
    assert "--requirepass" in " ".join(redis["command"]) and "$$REDIS_PASSWORD" in " ".join(redis["command"])

    warehouse, default = services["airflow-worker-warehouse"], services["airflow-worker"]
    assert warehouse["command"][:3] == default["command"][:3] == ["airflow", "celery", "worker"]
    # the warehouse queue: one worker, one process, the only worker with the data volume; a fixed
    # container_name makes `docker compose up --scale` refuse to run a second one
    assert _option(warehouse["command"], "--queues") == "warehouse"
    assert _option(warehouse["command"], "--concurrency") == "1"
    assert warehouse["container_name"] and "deploy" not in warehouse
    assert "newinfra-data:/var/lib/newinfra" in warehouse["volumes"]
    # the default queue: scalable (no container_name), no data volume
    assert _option(default["command"], "--queues") == "default"
    assert "container_name" not in default
    mounting = [
        n
        for n, s in services.items()
        if "worker" in n and any("newinfra-data" in v for v in s.get("volumes", []))
    ]
    assert mounting == ["airflow-worker-warehouse"]
    for name in ("airflow-worker-warehouse", "airflow-worker", "airflow-flower"):
        assert services[name]["depends_on"]["redis"] == {"condition": "service_healthy"}, name

    flower = services["airflow-flower"]
    assert flower["command"] == ["/opt/newinfra/docker/flower.sh"]
    assert flower["ports"] == ["127.0.0.1:5555:5555"]  # loopback only
    assert flower["volumes"] == []
    script = (DOCKER / "flower.sh").read_text(encoding="utf-8")
    assert "AIRFLOW__CELERY__FLOWER_BASIC_AUTH=" in script and "AIRFLOW_ADMIN_PASSWORD:?" in script
    assert os.access(DOCKER / "flower.sh", os.X_OK)


def test_the_warehouse_queue_is_the_dags_queue(compose):
    """The worker serves the queue the DAGs send their warehouse writers to (dags/common)."""
    from dags.common.queues import WAREHOUSE_QUEUE

    assert _option(compose["services"]["airflow-worker-warehouse"]["command"], "--queues") == WAREHOUSE_QUEUE


def _airflow_argv(compose) -> list[tuple[str, list[str]]]:
    """Every `airflow ...` command line in the stack: service commands, healthchecks, init.sh."""
    found = []
    for name, service in compose["services"].items():
        command = service.get("command")
        if isinstance(command, list) and command and command[0] == "airflow":
            found.append((f"{name}.command", command[1:]))
        test = service.get("healthcheck", {}).get("test")
        if isinstance(test, list) and test[:2] == ["CMD", "airflow"]:
            found.append((f"{name}.healthcheck", test[2:]))
    for script in sorted(DOCKER.glob("*.sh")):
        for line in script.read_text(encoding="utf-8").splitlines():
            line = line.strip().removeprefix("exec ")
            if line.startswith("airflow "):
                found.append((f"{script.name}: {line}", shlex.split(line, comments=True)[1:]))
    return found


def test_every_airflow_command_exists(compose, airflow_cli):
    commands = airflow_cli["commands"]
    # what the stack needs of Airflow 3 (no `webserver`; `users` comes with the FAB provider, locked for
    # production's role-based auth)
    assert {"api-server", "scheduler", "dag-processor", "triggerer", "db", "pools", "jobs"} <= set(commands)
    assert {"celery", "users", "roles"} <= set(commands)
    assert "webserver" not in commands
    argvs = _airflow_argv(compose)
    services = {argv[0] for where, argv in argvs if where.endswith(".command")}
    assert services == {*AIRFLOW_SERVICES.values(), "celery"}
    assert any(argv[:2] == ["celery", "flower"] for _, argv in argvs)
    assert any(argv[:2] == ["db", "migrate"] for _, argv in argvs)
    assert any(argv[:2] == ["pools", "set"] for _, argv in argvs)
    for where, argv in argvs:
        node = airflow_cli
        words = [w for w in argv if not w.startswith("-")]
        for word in words:
            if not node["commands"]:
                break  # the rest are positional values (pool name, slots)
            assert word in node["commands"], f"{where}: `airflow {' '.join(argv)}` — no command {word!r}"
            node = node["commands"][word]
        for option in (w.split("=")[0] for w in argv if w.startswith("-")):
            assert option in node["options"], f"{where}: no option {option} in `airflow {' '.join(words)}`"


def test_the_top_level_help_agrees(airflow_cli, tmp_path):
    """`airflow --help` (what an operator reads) lists the same commands the stack runs."""
    env = dict(os.environ, AIRFLOW_HOME=str(tmp_path), AIRFLOW__CORE__LOAD_EXAMPLES="False")
    airflow = Path(sys.executable).with_name("airflow")
    text = subprocess.run(
        [str(airflow), "--help"], env=env, capture_output=True, text=True, timeout=120
    ).stdout
    listed = set(re.findall(r"^\s{4,6}([a-z][a-z-]+)\s", text, flags=re.M))
    for command in (*AIRFLOW_SERVICES.values(), "db", "pools", "jobs"):
        assert command in listed


def _config_template() -> dict:
    """Airflow's options: core's config.yml plus the sections of the Celery and FAB providers."""
    import importlib.util

    from airflow.providers.celery.get_provider_info import get_provider_info as celery_info
    from airflow.providers.fab.get_provider_info import get_provider_info as fab_info

    spec = importlib.util.find_spec("airflow")
    path = Path(next(iter(spec.submodule_search_locations))) / "config_templates" / "config.yml"
    template = yaml.safe_load(path.read_text(encoding="utf-8"))
    for info in (celery_info(), fab_info()):
        template.update(info.get("config", {}))
    return template


def test_airflow_settings_are_real_options(compose):
    """Every AIRFLOW__SECTION__KEY in the compose file, the env example and docker/ is an option of
    Airflow (or of its Celery and FAB providers)."""
    template = _config_template()
    names = set(compose["services"]["airflow-scheduler"]["environment"])
    for service in compose["services"].values():
        names |= set(service.get("environment") or {})
    example = (DOCKER / "airflow.env.example").read_text(encoding="utf-8")
    names |= set(re.findall(r"^(AIRFLOW__[A-Z_]+)=", example, flags=re.M))
    for script in DOCKER.iterdir():
        if script.suffix in (".sh", ".py"):
            names |= set(re.findall(r"\b(AIRFLOW__[A-Z_]+__[A-Z_]+)", script.read_text(encoding="utf-8")))
    assert "AIRFLOW__CELERY__FLOWER_BASIC_AUTH" in names and "AIRFLOW__CELERY__BROKER_URL" in names
    checked = 0
    for name in sorted(names):
        if not name.startswith("AIRFLOW__") or name.startswith("AIRFLOW__COSMOS__"):
            continue
        _, section, key = name.split("__", 2)
        options = template.get(section.lower(), {}).get("options", {})
        assert key.lower() in options, f"{name}: no option [{section.lower()}] {key.lower()} in Airflow"
        checked += 1
    assert checked >= 10


def _example_env() -> dict[str, str]:
    text = (DOCKER / "airflow.env.example").read_text(encoding="utf-8")
    return dict(re.findall(r"^([A-Z_0-9]+)=(.*)$", text, flags=re.M))


def _filled_env(**overrides: str) -> dict[str, str]:
    """The env example filled in as docs/deploy.md says: fresh keys and passwords."""
    import secrets

    from cryptography.fernet import Fernet

    env = _example_env()
    pg, redis = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    env.update(
        POSTGRES_PASSWORD=pg,
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"postgresql+psycopg2://airflow:{pg}@postgres:5432/airflow",
        AIRFLOW__CORE__FERNET_KEY=Fernet.generate_key().decode(),
        AIRFLOW__API__SECRET_KEY=secrets.token_urlsafe(32),
        AIRFLOW__API_AUTH__JWT_SECRET=secrets.token_urlsafe(32),
        AIRFLOW_ADMIN_PASSWORD=secrets.token_urlsafe(16),
        AIRFLOW_OP_PASSWORD=secrets.token_urlsafe(16),
        AIRFLOW_VIEWER_PASSWORD=secrets.token_urlsafe(16),
        NEWINFRA_TEMPLATE_SECRET=secrets.token_urlsafe(32),
        REDIS_PASSWORD=redis,
        AIRFLOW__CELERY__BROKER_URL=f"redis://:{redis}@redis:6379/0",
    )
    env.update(overrides)
    return env


def _preflight(env: dict[str, str]) -> subprocess.CompletedProcess:
    """docker/preflight.py as the init service runs it, with only ``env`` (plus PATH)."""
    return subprocess.run(
        [sys.executable, str(DOCKER / "preflight.py")],
        env={"PATH": os.environ.get("PATH", ""), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_init_checks_secrets_before_anything_else():
    init = (DOCKER / "init.sh").read_text(encoding="utf-8")
    steps = [
        line for line in init.splitlines() if line and not line.startswith(("#", "echo", "set ", "here="))
    ]
    assert steps[0] == 'python "$here/preflight.py"'  # under `set -e`: a refusal stops the init
    assert "set -euo pipefail" in init
    assert steps.index('python "$here/users.py"') > steps.index("airflow db migrate")


def test_the_env_example_as_shipped_is_refused():
    """Copied without editing, the example starts nothing: every placeholder is named."""
    proc = _preflight({**_example_env(), "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor"})
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "拒绝启动" in proc.stderr and "refusing to start" in proc.stderr
    for name in (
        "POSTGRES_PASSWORD", "AIRFLOW__CORE__FERNET_KEY", "AIRFLOW__API__SECRET_KEY",
        "AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW_ADMIN_PASSWORD", "AIRFLOW_OP_PASSWORD",
        "AIRFLOW_VIEWER_PASSWORD", "NEWINFRA_TEMPLATE_SECRET", "REDIS_PASSWORD",
    ):  # fmt: skip
        assert f"{name} in docker/.env" in proc.stderr, name
        assert f"docker/.env 中的 {name}" in proc.stderr, name
    assert "Traceback" not in proc.stderr


def test_a_filled_env_file_is_accepted():
    for executor in ("LocalExecutor", "CeleryExecutor"):
        proc = _preflight(_filled_env(AIRFLOW__CORE__EXECUTOR=executor))
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip() == "secrets: ok"


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("AIRFLOW__API__SECRET_KEY", "change-me", "placeholder"),
        ("AIRFLOW__API_AUTH__JWT_SECRET", "", "not set"),
        ("AIRFLOW__API__SECRET_KEY", "CHANGE_ME-please-0123456789", "placeholder"),
        ("NEWINFRA_TEMPLATE_SECRET", "newinfra-demo-secret-change-me", "placeholder"),  # the demo's key
        ("NEWINFRA_TEMPLATE_SECRET", "short-key", "too short"),
        ("AIRFLOW__CORE__FERNET_KEY", "", "not set"),
        ("AIRFLOW__CORE__FERNET_KEY", "not-a-fernet-key-but-long-enough", "not a valid Fernet key"),
        ("AIRFLOW_ADMIN_PASSWORD", "admin", "well-known default"),
        ("AIRFLOW_VIEWER_PASSWORD", "viewer", "the same as the user name"),
        ("AIRFLOW_VIEWER_PASSWORD", "password", "well-known default"),
        ("AIRFLOW_ADMIN_PASSWORD", "short-pw", "too short"),
        ("AIRFLOW_OP_PASSWORD", "operator", "the same as the user name"),
        ("AIRFLOW_OP_PASSWORD", "Operator", "the same as the user name"),
        ("POSTGRES_PASSWORD", "airflow", "well-known default"),
    ],
)
def test_a_weak_secret_is_refused(name, value, reason):
    env = _filled_env(**{name: value})
    if name == "POSTGRES_PASSWORD":
        env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = (
            f"postgresql+psycopg2://airflow:{value}@postgres:5432/airflow"
        )
    proc = _preflight(env)
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.splitlines() if line.startswith("  - ")]
    assert len(lines) == 1 and f"{name} in docker/.env: " in lines[0] and reason in lines[0], proc.stderr


def test_mismatched_passwords_and_the_broker():
    env = _filled_env(
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="postgresql+psycopg2://airflow:other-password-123@postgres/airflow"
    )
    assert "differs from POSTGRES_PASSWORD" in _preflight(env).stderr
    # the broker is checked only when the Celery executor is chosen
    env = _filled_env(AIRFLOW__CELERY__BROKER_URL="redis://:wrong-password-123@redis:6379/0")
    assert _preflight({**env, "AIRFLOW__CORE__EXECUTOR": "LocalExecutor"}).returncode == 0
    proc = _preflight({**env, "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor"})
    assert proc.returncode == 2 and "differs from REDIS_PASSWORD" in proc.stderr
    # optional logins: no Op user name, no Op password needed
    assert _preflight(_filled_env(AIRFLOW_OP_USERNAME="", AIRFLOW_OP_PASSWORD="")).returncode == 0


def test_dockerfile_copies_what_exists():
    text = (DOCKER / "Dockerfile").read_text(encoding="utf-8")
    assert text.startswith("#") and "FROM python:3.11-slim" in text
    for match in re.finditer(r"^COPY (.+) (\S+)$", text, flags=re.M):
        for source in match.group(1).split():
            assert (PROJECT_ROOT / source).exists(), source
    assert "requirements.lock" in text and "dbt parse" in text
    assert os.access(DOCKER / "init.sh", os.X_OK) and os.access(DOCKER / "flower.sh", os.X_OK)
    assert os.access(PROJECT_ROOT / "newinfra" / "bin" / "dbt-locked", os.X_OK)
