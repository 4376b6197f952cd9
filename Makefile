# Two commands for a newcomer: `make run` and `make test`. Everything else is for maintainers.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
FLASK := $(BIN)/flask --app wsgi

.PHONY: run test soak fuzz bench mutate lint migrate postgres-binaries redis-binaries nginx-binaries browser-binaries speech-binaries bench-tools

# $(call debian,CHECK,PACKAGES): when the shell test CHECK fails, install the Debian PACKAGES (as root), or
# say which to install. The parts the tests and benchmarks start themselves come from Debian this way.
debian = @if ! { $(1); } >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(2) >/dev/null; \
		else \
			echo "missing: sudo apt-get install $(2)" >&2; exit 1; \
		fi; \
	fi

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

## Migrate the configured database (SQLite instance/citizen.db by default), load demo data (it prints the
## demo admin's, editor's and officer's passwords, kept in instance/demo-<role>-password.txt), then serve
## the API and run the push worker beside it (it stops with the server; without Firebase credentials it
## prints each push). The first start makes a private SECRET_KEY in instance/secret_key; links the API
## writes start with http://127.0.0.1:$(PORT). The examples in docs/ run against it.
run: export PORT := $(PORT)
run: $(VENV)/.installed migrate
	$(FLASK) seed-demo
	$(FLASK) worker & worker=$$!; trap "kill $$worker 2>/dev/null" EXIT INT TERM; \
		$(FLASK) run --host 127.0.0.1 --port $(PORT)

migrate: $(VENV)/.installed
	$(FLASK) db upgrade

## The whole suite on a throwaway PostgreSQL server that the tests start themselves.
test: $(VENV)/.installed-dev postgres-binaries redis-binaries nginx-binaries browser-binaries speech-binaries
	$(BIN)/pytest

## Minutes-long load tests (tests/reliability, marked soak): 20,000 submissions without loss.
soak: $(VENV)/.installed-dev postgres-binaries
	$(BIN)/pytest -m soak tests/reliability

## schemathesis over every operation with many more examples (FUZZ_EXAMPLES, default 300).
fuzz: $(VENV)/.installed-dev postgres-binaries
	$(BIN)/pytest tests/test_swagger.py --hypothesis-profile=fuzz

## Benchmarks (bench/run.py): ratios to the framework and hardware ceilings, written to bench/RESULTS.md.
bench: $(VENV)/.installed-dev postgres-binaries speech-binaries bench-tools
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m bench.run

## Mutation testing of the rule modules with the tests that pin them ([tool.mutmut] in pyproject.toml):
## prints the share of mutants killed; survivors with `.venv/bin/mutmut results` (docs/development.md).
mutate: $(VENV)/.installed-dev postgres-binaries
	$(BIN)/pip install --quiet -e '.[dev,mutate]'
	rm -rf mutants
	$(BIN)/mutmut run --max-children 2 > mutants.log 2>&1 || (tail -40 mutants.log; exit 1)
	$(BIN)/mutmut export-cicd-stats >/dev/null
	$(BIN)/python -c 'import json; s = json.load(open("mutants/mutmut-cicd-stats.json")); \
		k = s["killed"] + s["timeout"]; \
		print("mutation score: %d of %d mutants killed = %.1f%% (%d survived)" % (k, s["total"], 100 * k / s["total"], s["survived"]))'

# wrk loads the servers, nginx is the static-file ceiling.
bench-tools: nginx-binaries
	$(call debian,command -v wrk,wrk)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The tests need Debian's PostgreSQL server binaries (initdb, pg_ctl); install them when absent.
postgres-binaries:
	$(call debian,ls /usr/lib/postgresql/*/bin/initdb,postgresql)

# Shared rate limits (tests/test_rate_limit_storage.py) and the scaled-out test (tests/test_scaled_out.py)
# start their own redis-server on 127.0.0.1; nothing is left running.
redis-binaries:
	$(call debian,command -v redis-server || [ -x /usr/bin/redis-server ],redis-server)

# The scaled-out test runs nginx with the shipped configuration (deploy/nginx/).
nginx-binaries:
	$(call debian,command -v nginx || [ -x /usr/sbin/nginx ],nginx-light)

# Speech (services/core/speech.py): espeak-ng's Vietnamese voice, ffmpeg to encode Opus/MP3 and ffprobe.
speech-binaries:
	$(call debian,command -v espeak-ng && command -v ffmpeg,espeak-ng ffmpeg)

# The console's browser tests (tests/test_console_*.py) drive Debian's Chromium through Playwright (never
# `playwright install`: no browser download), with Noto fonts so Vietnamese renders in the screenshots.
browser-binaries:
	$(call debian,[ -x /usr/bin/chromium ] && fc-list | grep -q NotoSans-,chromium fonts-noto-core)
