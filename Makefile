# newinfra — `make help` lists the targets. Every target creates the virtual environment when it is
# missing (from the pinned requirements.lock), so `make demo` and `make test` work on a fresh clone.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export NEWINFRA_HOME ?= $(CURDIR)/var
export DBT_SEND_ANONYMOUS_USAGE_STATS := False
export SODA_CORE_TELEMETRY_ENABLED := false
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export AIRFLOW__COSMOS__ENABLE_TELEMETRY := False
export SCARF_ANALYTICS := false
export DO_NOT_TRACK := 1

.PHONY: help install lock demo test test-fast lint bench clean dbt-parse system-deps samples

help: ## Show this help
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}'

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install -q uv
	@test -x $(BIN)/python || $(PYTHON) -m uv venv -q --python $(PYTHON) $(VENV)
	$(PYTHON) -m uv pip sync -q --python $(BIN)/python requirements.lock
	$(PYTHON) -m uv pip install -q --python $(BIN)/python --no-deps -e .
	@touch $(STAMP)

install: $(STAMP) ## Create .venv from requirements.lock (skipped when up to date)

lock: ## Re-resolve requirements.lock from pyproject.toml (needs the package index)
	@$(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install -q uv
	$(PYTHON) -m uv pip compile pyproject.toml --extra dev --python-version 3.11 \
		--python-platform x86_64-manylinux_2_28 -o requirements.lock

dbt-parse: $(STAMP) ## Compile the dbt manifest (dbt_project/target/manifest.json) that the DAGs render from
	@mkdir -p $(NEWINFRA_HOME)
	cd dbt_project && DBT_PROFILES_DIR=. ../$(BIN)/dbt parse --quiet

demo: $(STAMP) dbt-parse ## Set up and run the whole monthly cycle on the bundled demo data
	$(BIN)/python -m pipeline.demo

SYSTEM_PACKAGES := chromium fonts-wqy-microhei poppler-utils redis-server postgresql libreoffice-calc-nogui
system-deps: ## Debian packages the slow tests use (Chromium, CJK font, poppler, Redis, PostgreSQL, LibreOffice); else skipped
	@missing=""; \
	for pkg in $(SYSTEM_PACKAGES); do dpkg -s $$pkg >/dev/null 2>&1 || missing="$$missing $$pkg"; done; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing$$missing (Debian) for the slow tests"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null) \
			|| echo "note: could not install$$missing; the tests that need them are skipped with their reason"; \
	else echo "note: missing$$missing and not root: the tests that need them are skipped with their reason"; fi

test: $(STAMP) dbt-parse system-deps ## Set up and run every test (slow ones included)
	$(BIN)/pytest -q

test-fast: $(STAMP) ## Tests without the slow ones (real scheduler, Chromium)
	$(BIN)/pytest -q -m "not slow"

lint: $(STAMP) dbt-parse ## ruff (with Airflow's AIR rules), the import layers (lint-imports), sqlfluff, dbt parse
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/ruff format --check .
	cd dbt_project && DBT_PROFILES_DIR=. ../$(BIN)/sqlfluff lint models tests/generic macros

bench: $(STAMP) dbt-parse ## Benchmarks (benchmarks/): each stage beside its obvious alternative
	$(BIN)/python -m benchmarks

samples: $(STAMP) ## After make demo: page 1 of the 2022-12, 2024-06, 2024-12 PDFs and the briefings as PNGs in docs/samples/
	$(BIN)/python -m exports.samples

clean: ## Remove the data home and build artefacts (keeps .venv)
	rm -rf var dbt_project/target dbt_project/logs .pytest_cache
