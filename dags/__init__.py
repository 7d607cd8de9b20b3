"""The newinfra DAG files; their shared helpers are in ``dags.common`` (see docs/architecture.md)."""
