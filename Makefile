# Two commands: `make serve` and `make test`. Both bootstrap .venv from scratch.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: serve test lint typecheck schema bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

serve: $(STAMP)
	$(BIN)/invoicegraph serve

lint: $(STAMP)
	$(BIN)/ruff check graph store seeds invoicegraph tests
	$(BIN)/ruff format --check graph store seeds invoicegraph tests

typecheck: $(STAMP)
	$(BIN)/mypy

test: $(STAMP) lint typecheck
	$(BIN)/pytest

schema: $(STAMP)
	$(BIN)/invoicegraph schema > schema.graphql

clean:
	rm -rf $(VENV)
