# The two commands the README quotes: `make run` and `make test`.
# Each creates .venv with the project installed, so they work on a fresh clone.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STORE ?= var/store
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test build lint clean setup chromium load-test virtuoso-check bench

$(BIN)/passerelle: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

# The query page's SPARQL editor (YASGUI) comes from npm; without npm the page is a plain form.
node_modules/.package-lock.json: package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --loglevel=error; \
	 else echo "npm not found: the query page will be a plain form"; fi

setup: $(BIN)/passerelle node_modules/.package-lock.json

run: setup
	$(BIN)/passerelle build --store $(STORE)
	$(BIN)/passerelle serve --store $(STORE) --host $(HOST) --port $(PORT)

build: $(BIN)/passerelle
	$(BIN)/passerelle build --store $(STORE)

# The browser tests drive Debian's Chromium; CI's machine starts without it.
chromium:
	@command -v chromium >/dev/null || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium \
	  fonts-dejavu-core >/dev/null; }

test: setup chromium
	$(BIN)/ruff check .
	$(BIN)/pytest -q

# Load and timeout tests (~2.5 min, loopback only, they stop by themselves);
# figures in var/load-report.json.
load-test: setup
	PASSERELLE_LOAD_TESTS=1 $(BIN)/pytest -q -s tests/load

# Benchmarks (not part of `make test`): synthetic seeds at 1x..1000x, build stages, canned-query
# latency, HTTP side by side with oxigraph serve-read-only (wrk from Debian). About 40 minutes;
# results in bench/results/latest.{json,md}. BENCH_ARGS="--scales 1 10" for a short run.
bench: setup
	$(BIN)/pip install --quiet -e '.[test,bench]'
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# Remote-store tests against a throw-away Virtuoso (installs virtuoso-opensource if missing)
virtuoso-check: $(BIN)/passerelle
	scripts/virtuoso-check.sh

lint: $(BIN)/passerelle
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) var node_modules .pytest_cache .ruff_cache
