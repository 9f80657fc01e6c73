# The two commands the README quotes: `make run` and `make test`.
# Each creates .venv with the project installed, so they work on a fresh clone.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STORE ?= var/store

.PHONY: run test build serve lint clean

$(BIN)/passerelle: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

run: $(BIN)/passerelle
	$(BIN)/passerelle build --store $(STORE)
	$(BIN)/passerelle serve --store $(STORE)

build: $(BIN)/passerelle
	$(BIN)/passerelle build --store $(STORE)

test: $(BIN)/passerelle
	$(BIN)/ruff check .
	$(BIN)/pytest -q

lint: $(BIN)/passerelle
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
