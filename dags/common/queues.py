"""Where a task of the newinfra DAGs runs under the CeleryExecutor (docker-compose.yml's `celery`
profile; docs/deploy.md "Two profiles").

Every task that writes the DuckDB warehouse takes :data:`WAREHOUSE_WRITER` (``@task(**WAREHOUSE_WRITER)``):
the ``warehouse`` queue, served by the one worker that mounts the data volume, and the one-slot
``duckdb_writer`` pool, the second guard (one writer at a time even if a second worker served the
queue). A task that needs the data home but does not write the warehouse takes :data:`DATA_HOME`
(the same worker, no pool slot). Every other task takes no queue and goes to Airflow's default queue (``[operators]
default_queue``, ``default``), which any worker serves. The LocalExecutor ignores queues: under it
nothing changes.
"""

from __future__ import annotations

from dags.common.constants import POOL

WAREHOUSE_QUEUE = "warehouse"
DEFAULT_QUEUE = "default"  # Airflow's [operators] default_queue; tasks without a queue go there

# The arguments of every warehouse-writing task (and of the Cosmos dbt operator).
WAREHOUSE_WRITER = {"pool": POOL, "queue": WAREHOUSE_QUEUE}
# A task that reads or writes the data home without writing the warehouse (the portal, built from
# the published copy into published/portal): the worker with the data volume, no pool slot.
DATA_HOME = {"queue": WAREHOUSE_QUEUE}
