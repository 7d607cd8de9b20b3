"""Constants of the quality checks: where the contracts live, the data source, the outcome codes."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
# One contract per dataset: contracts/<datasource>/<schema>/<table>.yml
CONTRACTS_DIR = PACKAGE_DIR / "contracts"
# Checks shared by datasets of one shape (e.g. every fct_<sector>_progress): a contract that says
# `template: <name>` gets the columns and checks of contract_templates/<name>.yml added to its own.
TEMPLATES_DIR = PACKAGE_DIR / "contract_templates"
# The Soda data source (type, name, read_only). The runner replaces `database` with the settings'
# warehouse; by hand: `NEWINFRA_HOME=... soda contract verify -ds quality/datasource.yml -c <contract>`
# (a contract with a `template:` rendered first: `newinfra check --show-contract <contract> > rendered.yml`).
DATASOURCE_FILE = PACKAGE_DIR / "datasource.yml"
SCHEMA_FILE = PACKAGE_DIR / "schema.sql"
DATASOURCE_NAME = "newinfra"

# Outcomes stored in quality.check_results.outcome, and what people see.
PASSED, FAILED, WARNED, ERROR = "passed", "failed", "warned", "error"
OUTCOMES = (PASSED, FAILED, WARNED, ERROR)
OUTCOME_LABELS_ZH = {PASSED: "通过", FAILED: "未通过", WARNED: "警告", ERROR: "错误"}
# Soda's CheckOutcome names -> ours (EXCLUDED never happens: the runner selects no checks).
SODA_OUTCOMES = {"PASSED": PASSED, "FAILED": FAILED, "WARN": WARNED, "NOT_EVALUATED": ERROR}

# Pseudo-checks the runner records itself (not written in a contract).
DATASET_EXISTS_CHECK = "dataset_exists"
CONTRACT_CHECK = "contract"

# Variables every contract may declare (`variables: {period: }`) and use as ${var.NAME}.
VAR_PERIOD = "period"
VAR_PREVIOUS_PERIOD = "previous_period"
VAR_RECONCILIATION_THRESHOLD = "reconciliation_threshold"

# Ledger statuses whose rows reached raw.submission_values / raw.submission_projects.
LOADED_STATUSES = ("loaded", "partially_loaded")

MESSAGE_MAX_CHARS = 1000
