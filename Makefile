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

.PHONY: help bootstrap run serve lint format test test-python test-sqlite test-moved-clock test-embedded bench clean

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

lint: bootstrap ## ruff (lint and format check), mypy, the import layers (decision 0022) and djLint on the templates
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy
	$(RUN) lint-imports
	$(RUN) djlint templates --lint

format: bootstrap ## Fix what ruff can fix and format the code
	$(RUN) ruff check --fix .
	$(RUN) ruff format .

test: lint test-python ## Everything CI runs: lint, types, the whole suite on PostgreSQL with browser tests

# The whole suite, browser journeys included, runs in one pytest process (with
# its workers), the tests shuffled within and across modules. The order comes
# from TEST_SEED, so a failing order can be run again; `make test TEST_SEED=$$RANDOM`
# tries another. Then the suite without the browser runs once more on a
# machine clock moved past a leap day and two changes of British Summer Time
# (decision 0030): no test may depend on the day it runs.
TEST_SEED ?= 2026
MOVED_CLOCK ?= 2028-02-29 00:30:00
PYTEST_PARALLEL = $(if $(filter 0,$(PYTEST_WORKERS)),,-n $(PYTEST_WORKERS) --dist loadfile)
SUITE = $(RUN) pytest $(PYTEST_PARALLEL) --random-order-bucket=module --random-order-seed=$(TEST_SEED) $(PYTEST_ARGS)
# FAKETIME_DONT_RESET: every process (test workers, the fake Stripe they start) shares one moved clock;
# without it each new process starts again at MOVED_CLOCK, and webhook signatures fall outside Stripe's
# five-minute tolerance once a server starts minutes after its test worker.
MOVED_SUITE = echo "The suite again with the clock at $(MOVED_CLOCK)" && \
	FAKETIME_DONT_RESET=1 TZ=Europe/London faketime -m -f "@$(MOVED_CLOCK)" $(RUN) pytest $(PYTEST_PARALLEL) --ignore=tests/browser -q $(PYTEST_ARGS)

test-python: bootstrap ## The whole test suite on a throwaway PostgreSQL, then again with the clock moved ahead
	scripts/ensure-chromium.sh
	scripts/ensure-faketime.sh
	scripts/with-postgres.sh bash -c '$(SUITE) && $(MOVED_SUITE)'

test-sqlite: bootstrap ## The whole test suite on SQLite (quicker; no PostgreSQL full-text search)
	scripts/ensure-chromium.sh
	env -u DATABASE_URL bash -c '$(SUITE)'

test-moved-clock: bootstrap ## Only the suite with the clock moved ahead (MOVED_CLOCK), on a throwaway PostgreSQL
	scripts/ensure-faketime.sh
	scripts/with-postgres.sh bash -c '$(MOVED_SUITE)'

test-embedded: bootstrap ## Only the embedded-default check: migrate, demo data and pages on SQLite
	$(RUN) pytest tests/test_sqlite_embedded.py $(PYTEST_ARGS)

bench: ## Search benchmarks on the demo county scaled up ten times (SQLite and PostgreSQL)
	scripts/bench.sh

clean: ## Remove caches and collected static files (keeps var/ and your database)
	rm -rf staticfiles .pytest_cache .mypy_cache .ruff_cache
