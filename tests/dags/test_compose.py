"""docker-compose.yml without a Docker engine: valid against the Compose specification's JSON schema,
the production shape (PostgreSQL, the four Airflow components, init, healthchecks, env file, named
volumes), and every Airflow command it runs is a real command of the installed Airflow 3.

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


@pytest.fixture(scope="module")
def airflow_cli(tmp_path_factory) -> dict:
    """Every command, sub-command and option of the installed Airflow's own CLI parser."""
    env = dict(
        os.environ,
        AIRFLOW_HOME=str(tmp_path_factory.mktemp("cli_home")),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
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
    assert set(services) == {"postgres", "airflow-init", *AIRFLOW_SERVICES}
    assert services["postgres"]["image"].startswith("postgres:")
    assert "postgres-db:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    for name, service in services.items():
        assert service["env_file"] == ["docker/.env"], name  # secrets from the env file only
        env = service.get("environment", {})
        assert not any(re.search("PASSWORD|SECRET|FERNET", k) and not k.endswith("_FILE") for k in env), name
        if name != "airflow-init":
            assert "healthcheck" in service, name
            assert service["restart"] == "unless-stopped", name
    for name in ("airflow-init", *AIRFLOW_SERVICES):
        service = services[name]
        assert service["build"] == {"context": ".", "dockerfile": "docker/Dockerfile"}
        env = service["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
        assert env["NEWINFRA_HOME"] == "/var/lib/newinfra"
        assert "newinfra-data:/var/lib/newinfra" in service["volumes"] or name == "airflow-apiserver"
        if name != "airflow-init":
            assert service["depends_on"]["airflow-init"] == {"condition": "service_completed_successfully"}
            assert service["depends_on"]["postgres"] == {"condition": "service_healthy"}
    assert services["airflow-init"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert set(compose["volumes"]) >= {"postgres-db", "newinfra-data", "airflow-logs", "airflow-auth"}
    # the api-server reads the passwords the init service writes
    assert "airflow-auth:/opt/airflow/auth:ro" in services["airflow-apiserver"]["volumes"]
    assert "airflow-auth:/opt/airflow/auth" in services["airflow-init"]["volumes"]


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
    for line in (DOCKER / "init.sh").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("airflow "):
            found.append((f"init.sh: {line}", shlex.split(line)[1:]))
    return found


def test_every_airflow_command_exists(compose, airflow_cli):
    commands = airflow_cli["commands"]
    # what the stack needs of Airflow 3 (no `webserver`; `users` comes with the FAB provider, locked for
    # production's role-based auth)
    assert {"api-server", "scheduler", "dag-processor", "triggerer", "db", "pools", "jobs"} <= set(commands)
    assert "webserver" not in commands
    argvs = _airflow_argv(compose)
    services = {argv[0] for where, argv in argvs if where.endswith(".command")}
    assert services == set(AIRFLOW_SERVICES.values())
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
    import importlib.util

    spec = importlib.util.find_spec("airflow")
    path = Path(next(iter(spec.submodule_search_locations))) / "config_templates" / "config.yml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_airflow_settings_are_real_options(compose):
    """Every AIRFLOW__SECTION__KEY in the compose file and the env example is an option of Airflow."""
    template = _config_template()
    names = set(compose["services"]["airflow-scheduler"]["environment"])
    example = (DOCKER / "airflow.env.example").read_text(encoding="utf-8")
    names |= set(re.findall(r"^(AIRFLOW__[A-Z_]+)=", example, flags=re.M))
    checked = 0
    for name in sorted(names):
        if not name.startswith("AIRFLOW__") or name.startswith("AIRFLOW__COSMOS__"):
            continue
        _, section, key = name.split("__", 2)
        options = template.get(section.lower(), {}).get("options", {})
        assert key.lower() in options, f"{name}: no option [{section.lower()}] {key.lower()} in Airflow"
        checked += 1
    assert checked >= 10


def test_env_example_covers_what_init_needs():
    example = (DOCKER / "airflow.env.example").read_text(encoding="utf-8")
    keys = set(re.findall(r"^([A-Z_0-9]+)=", example, flags=re.M))
    init = (DOCKER / "init.sh").read_text(encoding="utf-8")
    required = set(re.findall(r"\$\{([A-Z_0-9]+):\?", init)) - {
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"
    }
    assert required <= keys
    conn = re.search(r"^AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=(\S+)", example, flags=re.M).group(1)
    assert conn.startswith("postgresql+psycopg2://") and "@postgres:5432/" in conn
    drivers = (DOCKER / "requirements-postgres.txt").read_text(encoding="utf-8")
    assert "psycopg2-binary==" in drivers and "asyncpg==" in drivers


def test_dockerfile_copies_what_exists():
    text = (DOCKER / "Dockerfile").read_text(encoding="utf-8")
    assert text.startswith("#") and "FROM python:3.11-slim" in text
    for match in re.finditer(r"^COPY (.+) (\S+)$", text, flags=re.M):
        for source in match.group(1).split():
            assert (PROJECT_ROOT / source).exists(), source
    assert "requirements.lock" in text and "dbt parse" in text
    assert os.access(DOCKER / "init.sh", os.X_OK)
    assert os.access(PROJECT_ROOT / "newinfra" / "bin" / "dbt-locked", os.X_OK)
