"""The celery profile of docker-compose.yml on this machine: a private PostgreSQL and Redis (Debian's
``postgresql`` and ``redis-server``, ``make system-deps``; skipped with the reason where they cannot
start), the real init (docker/init.sh), the api-server with the FAB auth manager, a scheduler, a
dag-processor and the compose file's two Celery workers: the ``warehouse`` one and a ``default`` one.

The default worker gets an EMPTY data home, as in the compose file, where it does not mount the data
volume: a warehouse task sent to it would fail. The test checks from the metadata DB that every task
of the ingest and of the transform it triggers ran on the worker of its queue, and that the API
refuses a request without a token, a Viewer's trigger, and accepts an Op's; and that Flower
(docker/flower.sh) asks for the Admin's login. Each worker reports its
own host name to the metadata DB (``airflow_stack.worker_hostname``; in compose, each container has
its own). Every wait polls with a deadline.
"""

from __future__ import annotations

import contextlib
import os
import secrets

import httpx
import pytest
import services
import yaml
from airflow_stack import COMPOSE, DOCKER, Stack

from dags.common.constants import DAG_INGEST_SUBMISSIONS, DAG_MONTHLY_REPORT, DAG_TRANSFORM, POOL
from dags.common.queues import DEFAULT_QUEUE, WAREHOUSE_QUEUE

pytestmark = [
    pytest.mark.slow,
    # Not yet seen passing end to end on this machine (issue 20 stays open; docs/deploy.md): opt in
    # while finishing it, instead of failing every run of `make test`.
    pytest.mark.skipif(
        os.environ.get("NEWINFRA_RUN_STACK_TESTS") != "1",
        reason="the Celery / PostgreSQL stack test is not finished (issue 20 open): "
        "set NEWINFRA_RUN_STACK_TESTS=1 to run it",
    ),
]

STARTUP_TIMEOUT_S = 300
RUN_TIMEOUT_S = 600
WORKERS = {"airflow-worker-warehouse": "worker-warehouse", "airflow-worker": "worker-default"}


@pytest.fixture()
def stack(home, tmp_path, dbt_manifest):
    from demo.generate import generate
    from newinfra.settings import Settings

    secret = secrets.token_urlsafe(32)
    generate(
        home,
        through="2022-01",
        settings=Settings(home=home, template_secret=secret),
        folders=["CAC"],
        workers=1,
    )
    services_ = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))["services"]
    with contextlib.ExitStack() as cleanup:
        try:
            pg = cleanup.enter_context(services.postgres())
            redis = cleanup.enter_context(services.redis())
        except services.Unavailable as exc:
            pytest.skip(f"PostgreSQL or Redis cannot start here: {exc}")
        st = Stack.create(tmp_path / "stack", home, pg, redis, template_secret=secret)
        cleanup.callback(st.stop)
        st.run_init()
        st.start_airflow("api-server", "api-server", "--port", str(st.port))
        st.start_airflow("scheduler", "scheduler")
        st.start_airflow("dag-processor", "dag-processor")
        empty_home = tmp_path / "no-data-volume"
        empty_home.mkdir()
        for service, name in WORKERS.items():
            command = services_[service]["command"]  # the compose file's own command line
            assert command[0] == "airflow"
            st.start_airflow(
                name,
                *command[1:],
                "--celery-hostname",
                f"{name}@%h",
                NEWINFRA_TEST_WORKER=name,
                AIRFLOW__CORE__HOSTNAME_CALLABLE="airflow_stack.worker_hostname",
                AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT=str(services.free_port()),
                **({} if service == "airflow-worker-warehouse" else {"NEWINFRA_HOME": str(empty_home)}),
            )
        # Flower, as the compose file starts it (docker/flower.sh), on a free port
        st.flower_port = services.free_port()
        st.start(
            "flower",
            [str(DOCKER / "flower.sh")],
            AIRFLOW__CELERY__FLOWER_HOST="127.0.0.1",
            AIRFLOW__CELERY__FLOWER_PORT=str(st.flower_port),
        )
        yield st


def test_warehouse_tasks_on_the_warehouse_worker_and_roles(stack):
    st = stack
    assert st.env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"  # the compose file, interpolated
    dags = {DAG_INGEST_SUBMISSIONS, DAG_TRANSFORM, DAG_MONTHLY_REPORT}
    st.wait("the api-server", st.api_ready, STARTUP_TIMEOUT_S)
    st.wait("the dag-processor to register the DAGs", lambda: st.registered(dags), STARTUP_TIMEOUT_S)

    # no token, no API: the api-server stays behind the auth manager
    assert st.api("GET", "/dags").status_code == 401
    assert st.trigger(None, DAG_INGEST_SUBMISSIONS).status_code == 401
    assert st.api("GET", "/dags", "not-a-token").status_code in (401, 403)

    # Flower asks for the Admin's login, and only that one
    flower = f"http://127.0.0.1:{st.flower_port}/"

    def flower_status(auth=None):
        try:
            return httpx.get(flower, auth=auth, timeout=10).status_code
        except httpx.HTTPError:
            return None

    assert st.wait("Flower", flower_status, STARTUP_TIMEOUT_S) == 401
    assert flower_status(st.login("admin")) == 200
    assert flower_status(st.login("viewer")) == 401

    viewer, op = st.token("viewer"), st.token("op")
    # a Viewer reads, but cannot trigger
    assert st.api("GET", f"/dags/{DAG_INGEST_SUBMISSIONS}", viewer).status_code == 200
    refused = st.trigger(viewer, DAG_INGEST_SUBMISSIONS)
    assert refused.status_code == 403, refused.text
    assert st.pg.query("select count(*) from dag_run where dag_id = %s", DAG_INGEST_SUBMISSIONS) == [(0,)]
    # an Op's trigger is the run that follows (unpausing then also schedules the latest cron run,
    # which finds nothing new)
    response = st.trigger(op, DAG_INGEST_SUBMISSIONS)
    assert response.status_code == 200, response.text
    ingest_run = response.json()["dag_run_id"]
    assert st.pg.query("select run_type from dag_run where run_id = %s", ingest_run) == [("manual",)]
    st.unpause(st.token("admin"), DAG_TRANSFORM, DAG_INGEST_SUBMISSIONS)

    st.wait(
        "the ingest run", lambda: st.run_state(DAG_INGEST_SUBMISSIONS, ingest_run) == "success", RUN_TIMEOUT_S
    )
    st.wait(
        "the asset-triggered transform",
        lambda: st.run_state(DAG_TRANSFORM, run_type="asset_triggered") == "success",
        RUN_TIMEOUT_S,
    )

    st.wait(
        "every ingest and transform run to end",
        lambda: (
            st.pg.query(
                "select count(*) from dag_run where dag_id in (%s, %s) and state not in ('success', 'failed')",
                DAG_INGEST_SUBMISSIONS,
                DAG_TRANSFORM,
            )
            == [(0,)]
        ),
        RUN_TIMEOUT_S,
    )
    rows = st.pg.query(
        "select dag_id, task_id, pool, queue, hostname, state from task_instance "
        "where dag_id in (%s, %s) and state is not null order by start_date",
        DAG_INGEST_SUBMISSIONS,
        DAG_TRANSFORM,
    )
    ran = {(d, t): (pool, queue, host, state) for d, t, pool, queue, host, state in rows}
    writers = {key for key, (pool, *_) in ran.items() if pool == POOL}
    assert writers == {
        (DAG_INGEST_SUBMISSIONS, "ingest_landing"),
        (DAG_TRANSFORM, "dbt_build"),
        (DAG_TRANSFORM, "quality_checks"),
        (DAG_TRANSFORM, "publish"),
    }
    for key, (_pool, queue, host, state) in ran.items():
        assert state in ("success", "skipped"), (key, state)  # announce skips when nothing is new
        assert host == {WAREHOUSE_QUEUE: "worker-warehouse", DEFAULT_QUEUE: "worker-default"}[queue], key
        if key in writers:
            assert queue == WAREHOUSE_QUEUE, key
    # the portal reads the published copy in the data home: the warehouse worker, without the pool
    assert ran[(DAG_TRANSFORM, "rebuild_portal")][:3] == ("default_pool", WAREHOUSE_QUEUE, "worker-warehouse")
    # the announcement (no warehouse access) ran on the worker without the data volume
    assert ran[(DAG_INGEST_SUBMISSIONS, "announce")][2] == "worker-default"
