# Two commands for a new machine with only Python 3.11:
#   make run    set everything up and serve the site on http://127.0.0.1:8000/
#   make test   lint, type-check and run every test (what CI runs)
# `make help` lists the rest.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

UV := .tools/bin/uv
RUN := $(UV) run --frozen
DEV := DJANGO_SETTINGS_MODULE=config.settings.dev $(RUN) python manage.py
# Parallel test workers; 2 matches the machines here. PYTEST_WORKERS=0 runs in one process.
PYTEST_WORKERS ?= 2
# Whole test files go to one worker (--dist loadfile): module-scoped fixtures,
# such as the demo county the open data tests load in a transaction, must not
# stay open while another file's live-server tests run on the same worker.
PYTEST_ARGS ?=

.PHONY: help bootstrap run serve lint format test test-python test-sqlite test-embedded bench clean

help: ## List the commands
	@awk 'BEGIN {FS = ":.*?## "} /^[a-zA-Z_-]+:.*?## / {printf "  make %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

bootstrap: ## Install uv, the locked Python packages and the front-end assets (quick when done)
	@scripts/bootstrap.sh

run: bootstrap ## Migrate, load the demo county if empty, and serve with a Celery worker and beat
	$(DEV) migrate --no-input
	$(DEV) load_demo_data --if-empty
	$(DEV) collectstatic --no-input -v 0
	scripts/run-dev.sh

serve: ## Serve without preparing anything (after make run once)
	scripts/run-dev.sh

lint: bootstrap ## ruff (lint and format check) and mypy
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy

format: bootstrap ## Fix what ruff can fix and format the code
	$(RUN) ruff check --fix .
	$(RUN) ruff format .

test: lint test-python ## Everything CI runs: lint, types, the whole suite on PostgreSQL with browser tests

# The browser journeys run in a pytest process of their own, after the rest:
# in a process where ordinary database tests ran first, a second live-server
# test in a row answered 404 for the site's pages (not yet explained: the pages
# are in the database when the test starts). On their own they pass in any order.
PYTEST_PARALLEL = $(if $(filter 0,$(PYTEST_WORKERS)),,-n $(PYTEST_WORKERS) --dist loadfile)
SUITE = $(RUN) pytest $(PYTEST_PARALLEL) --ignore=tests/browser $(PYTEST_ARGS) && $(RUN) pytest tests/browser $(PYTEST_ARGS)

test-python: bootstrap ## The whole test suite on a throwaway PostgreSQL (with the SQLite embedded check)
	scripts/ensure-chromium.sh
	scripts/with-postgres.sh bash -c '$(SUITE)'

test-sqlite: bootstrap ## The whole test suite on SQLite (quicker; no PostgreSQL full-text search)
	scripts/ensure-chromium.sh
	env -u DATABASE_URL bash -c '$(SUITE)'

test-embedded: bootstrap ## Only the embedded-default check: migrate, demo data and pages on SQLite
	$(RUN) pytest tests/test_sqlite_embedded.py $(PYTEST_ARGS)

bench: bootstrap ## Search benchmarks on the demo county scaled up ten times (SQLite and PostgreSQL)
	scripts/bench.sh

clean: ## Remove caches and collected static files (keeps var/ and your database)
	rm -rf staticfiles .pytest_cache .mypy_cache .ruff_cache
