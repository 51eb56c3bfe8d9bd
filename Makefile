# branchflow — the two quick-start commands are `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint format bench clean-demo

# The environment: Python packages exactly as pinned (with hashes) in requirements.lock.
$(STAMP): requirements.lock pyproject.toml scripts/install-system-deps.sh scripts/fontconfig/65-branchflow-zh-office-fonts.conf
	bash scripts/install-system-deps.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

install: $(STAMP)

# The main job on the bundled sample data: the repository root is the demo workspace.
demo: install
	$(BIN)/branchflow demo .

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

# The store tests run on SQLite and on PostgreSQL: a throwaway server on loopback, started for the
# run (scripts/pg-test-server.sh installs Debian's postgresql when missing) and stopped after it,
# whatever the outcome. A server of your own: export BRANCHFLOW_TEST_PG_URL=postgresql://…
# The console's browser tests drive Debian's chromium (installed here when missing).
test: lint
	@bash scripts/install-system-deps.sh test
	@if [ -n "$$BRANCHFLOW_TEST_PG_URL" ]; then exec $(BIN)/pytest; fi; \
	trap 'bash scripts/pg-test-server.sh stop' EXIT INT TERM; \
	url="$$(bash scripts/pg-test-server.sh start)" || url=""; \
	BRANCHFLOW_TEST_PG_URL="$$url" $(BIN)/pytest

bench: install
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/report.py

clean-demo:
	rm -rf inbox/* outbox/* store
