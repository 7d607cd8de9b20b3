"""Data quality: Soda Core 4 data contracts over the warehouse, results with history, the export gate.

Write mode: reads the warehouse read-only (Soda), then APPENDS one run to quality.check_results
(one row per check, all rows sharing a ``run_id`` and ``checked_at``); nothing is updated or deleted.

Entry points (the DAG, the exporter and ``newinfra check`` use these and nothing else)::

    from quality import run_checks, latest_results

    run = run_checks(settings, period="2024-06")   # -> CheckRun
    run.is_blocked          # True when a blocking check failed or errored: do not export
    run.blocking_failures   # list[CheckRecord]
    run.counts              # {"passed": n, "failed": n, "warned": n, "error": n}
    run.run_id, run.period, run.results, run.duration_s

    latest_results(settings_or_con, "2024-06")   # -> list[CheckRecord], the latest run of that period

Contracts: ``quality/contracts/<datasource>/<schema>/<table>.yml`` (data source ``newinfra``, one
contract per dataset, ``dataset: newinfra/<schema>/<table>``). A check blocks unless its contract
gives it a warn-level threshold only (``threshold: {must_be: 0, level: warn}``): which checks block
is declared in the contracts, not in code. Contracts may declare and use ``${var.period}``,
``${var.previous_period}`` and ``${var.reconciliation_threshold}``. Every dataset-level check that
repeats a type carries a ``qualifier`` (Soda requires it); the qualifier is the check's key in
quality.check_results (``check_name``; ``<column>.<qualifier or type>`` for column checks), the
check's ``name`` is its label for people.

Datasets of one shape share their checks through a template: a contract that says
``template: <name>`` (e.g. every ``<sector>/fct_<sector>_progress.yml``) is verified with the columns
and checks of ``quality/contract_templates/<name>.yml`` added to its own, its ``variables`` (e.g. a
default for ``sector``) filling the template's (:func:`quality.helpers.render_template`;
``newinfra check --show-contract <contract.yml>`` prints what Soda verifies).

A contract whose dataset does not exist (a mart before the first ``newinfra build``) is recorded as
one blocking ``dataset_exists`` error; a contract Soda cannot run as written (bad YAML, missing
variable) as one blocking ``contract`` error.

Soda Core 4 is Elastic License 2.0 (internal use is fine). Its telemetry is switched off before it
is imported (``SODA_CORE_TELEMETRY_ENABLED=false``): runs are silent offline.
"""

from __future__ import annotations

import os

os.environ["SODA_CORE_TELEMETRY_ENABLED"] = "false"

from quality.helpers import CheckRecord, CheckRun  # noqa: E402


def run_checks(settings, period: str | None = None, progress=None) -> CheckRun:
    """Verify every contract for ``period`` and append the results to quality.check_results.
    ``progress``: a ``newinfra.progress`` factory. See :func:`quality.runner.run_checks`."""
    from quality.runner import run_checks as _run

    return _run(settings, period, progress=progress)


def latest_results(settings_or_con, period: str) -> list[CheckRecord]:
    """The records of the latest run for ``period`` ([] if none). See :func:`quality.runner.latest_results`."""
    from quality.runner import latest_results as _latest

    return _latest(settings_or_con, period)


__all__ = ["run_checks", "latest_results", "CheckRun", "CheckRecord"]
