# One command per habit: make run, make test, make lint, make bench.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/test
# Tests wait on subprocesses, sockets and fsync more than on the CPU: three workers keep two
# cores busy. PostgreSQL runs in two: its 100 connections are shared by every pool and server,
# and a process held under 30 at its peak (its app's pool, the tests' own, its live servers').
TEST_WORKERS ?= 3
POSTGRES_TEST_WORKERS ?= 2

.PHONY: install run test test-sqlite test-postgres lint format services browser fonts node-tools clean bench

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml clients/python/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]" -e clients/python
	touch $@

## Install, migrate the embedded SQLite database, load demo data and serve on :8000.
run: install
	scripts/ensure-fonts.sh --best-effort
	$(BIN)/commercy serve --demo

## Install everything the suite needs, then lint and run it on SQLite and on PostgreSQL.
test: install services browser fonts node-tools lint test-sqlite test-postgres

test-sqlite: install node-tools
	$(BIN)/pytest --db sqlite -n $(TEST_WORKERS)

test-postgres: install services
	COMMERCY_TEST_POSTGRES_URL=$(POSTGRES_URL) $(BIN)/pytest --db postgres --ignore=tests/sandbox -n $(POSTGRES_TEST_WORKERS)

lint: install
	$(BIN)/ruff check src tests bench postman clients/python examples clients/js/scripts
	$(BIN)/ruff format --check src tests bench postman clients/python examples clients/js/scripts
	$(BIN)/mypy
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format src tests bench postman clients/python examples clients/js/scripts
	$(BIN)/ruff check --fix src tests bench postman clients/python examples clients/js/scripts

## Benchmarks against a floor on PostgreSQL and SQLite (not part of test); BENCH_QUICK=1 is short.
bench: install services
	$(BIN)/python -m bench.run

services:
	scripts/ensure-services.sh

browser:
	scripts/ensure-chromium.sh

fonts:
	scripts/ensure-fonts.sh

## newman (tests/clients/test_postman.py); the JS SDK's tools and build (tests/clients/test_js_sdk.py)
node-tools:
	scripts/ensure-node-tools.sh

clean:
	rm -rf $(VENV) var tools/node/node_modules clients/js/node_modules clients/js/dist examples/node/node_modules .pytest_cache .mypy_cache .ruff_cache
