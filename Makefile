# Two commands: `make serve` and `make test`. Both bootstrap .venv from scratch.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# npm writes this file on every install; it is older than the lock file when that changed.
NODE_STAMP := node_modules/.package-lock.json
CHROMIUM := /usr/bin/chromium
WRK := /usr/bin/wrk

.PHONY: serve test lint typecheck schema bench clean graphiql-assets wire-server

# mongoeco's MongoDB wire server (tests/wire_server.py) needs Python >= 3.13: it gets a venv of
# its own, pinned like every other dependency. The stamp names the pin, so a new pin reinstalls.
MONGOECO := mongoeco[wire]==4.11.0
WIRE_VENV := .wire-venv
WIRE_STAMP := $(WIRE_VENV)/.installed-$(subst [wire]==,-,$(MONGOECO))

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The first Python >= 3.13 on the machine (pyenv's versions, then PATH); without one the
# target succeeds and the `mongodb` tests are skipped, saying why.
$(WIRE_STAMP):
	@python=""; \
	for candidate in $$(ls -d "$$(pyenv root 2>/dev/null)"/versions/3.1[3-9]*/bin/python 2>/dev/null) \
			python3.14 python3.13 python3; do \
		if $$candidate -c 'import sys; sys.exit(sys.version_info < (3, 13))' 2>/dev/null; then \
			python=$$candidate; break; \
		fi; \
	done; \
	if [ -z "$$python" ]; then \
		echo "no Python >= 3.13 found: the mongodb tests will be skipped (or set MONGODB_URI)"; \
	else \
		rm -rf $(WIRE_VENV) && $$python -m venv $(WIRE_VENV) \
		&& $(WIRE_VENV)/bin/python -m pip install --quiet --upgrade pip \
		&& $(WIRE_VENV)/bin/python -m pip install --quiet '$(MONGOECO)' \
		&& touch $(WIRE_STAMP); \
	fi

wire-server: $(WIRE_STAMP)

# GraphiQL's files and the JavaScript clients the tests drive, from the committed lock file.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $(NODE_STAMP)

# Serving needs only GraphiQL's files, and works without them: the page then says how to
# install them (no CDN fallback).
graphiql-assets:
	@if command -v npm >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory $(NODE_STAMP) || echo "npm ci failed: /graphql shows how to install GraphiQL"; \
	else \
		echo "npm not found: the API works; /graphql shows how to install GraphiQL (npm ci)"; \
	fi

# The GraphiQL browser test drives Debian's Chromium (CI runs as root).
$(CHROMIUM):
	apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver

serve: $(STAMP) graphiql-assets
	$(BIN)/invoicegraph serve

lint: $(STAMP)
	$(BIN)/ruff check graph store seeds invoicegraph tests bench
	$(BIN)/ruff format --check graph store seeds invoicegraph tests bench
	$(BIN)/lint-imports --no-cache

typecheck: $(STAMP)
	$(BIN)/mypy

test: $(STAMP) $(WIRE_STAMP) $(NODE_STAMP) $(CHROMIUM) lint typecheck
	$(BIN)/pytest

# The peer section loads servers with Debian's wrk: the Python generator cannot saturate Node.
$(WRK):
	apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y wrk

# Benchmarks (docs/performance.md): a table on stdout and bench/results.json, in ~9 minutes.
# The peer section runs the Node peer from node_modules (npm ci).
bench: $(STAMP) $(WIRE_STAMP) $(NODE_STAMP) $(WRK)
	$(BIN)/python -m bench

schema: $(STAMP)
	$(BIN)/invoicegraph schema > schema.graphql

clean:
	rm -rf $(VENV) $(WIRE_VENV) node_modules
