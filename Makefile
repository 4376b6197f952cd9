# Two commands for a newcomer: `make run` and `make test`. Everything else is for maintainers.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
FLASK := $(BIN)/flask --app wsgi

.PHONY: run test lint migrate postgres-binaries

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

## Migrate the configured database (SQLite instance/citizen.db by default), load demo data, then serve
## the API and run the push worker beside it (it stops with the server).
run: $(VENV)/.installed migrate
	$(FLASK) seed-demo
	$(FLASK) push-worker & worker=$$!; trap "kill $$worker 2>/dev/null" EXIT INT TERM; \
		$(FLASK) run --host 127.0.0.1 --port $(PORT)

migrate: $(VENV)/.installed
	$(FLASK) db upgrade

## The whole suite on a throwaway PostgreSQL server that the tests start themselves.
test: $(VENV)/.installed-dev postgres-binaries
	$(BIN)/pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The tests need Debian's PostgreSQL server binaries (initdb, pg_ctl); install them when absent.
postgres-binaries:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
		else \
			echo "PostgreSQL server binaries missing: sudo apt-get install postgresql" >&2; exit 1; \
		fi; \
	fi
