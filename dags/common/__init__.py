"""What the newinfra DAG files share: constants (pool, assets, DAG ids, schedule), ``default_args``,
the failure notice, the report period of a run and the Cosmos dbt builder.

Kept out of the dag-processor's scan by ``dags/.airflowignore``; the DAG files import it as
``dags.common`` (the project is installed, ``pyproject.toml`` lists the package). Only the standard
library and the core (``newinfra``) are imported at module level: the DAG files import it at parse
time. See docs/architecture.md.
"""
