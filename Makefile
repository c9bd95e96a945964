# Everything moot needs is set up by these targets, from a fresh clone.
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3.13 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# The Pythons moot supports (pyproject.toml's requires-python says the same).
SUPPORTED := import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))

# A venv whose python no longer runs (the interpreter it was made from was removed or
# upgraded) or is a Python moot does not support would otherwise be reused by every
# later run: it is thrown away here, and the rules below make it again.
ifneq ($(wildcard $(VENV)),)
ifneq ($(shell $(BIN)/python -c '$(SUPPORTED)' >/dev/null 2>&1 && echo ok),ok)
$(info $(VENV) does not run a supported Python (3.11 to 3.13): making it again.)
$(shell rm -rf $(VENV))
endif
endif
STAMP := $(VENV)/.installed
PIP := $(BIN)/python -m pip --quiet --disable-pip-version-check
# The resolver `make lock` runs; pinned so that the same pyproject.toml locks the same way.
UV_VERSION := 0.13.9

.PHONY: run test lint typecheck migrations-check pytest bench lock clean

# A venv half made (no ensurepip, an interrupted run) is removed, not left to be reused.
$(BIN)/python:
	@$(PYTHON) -c '$(SUPPORTED)' >/dev/null 2>&1 || { echo "moot needs Python 3.11 to 3.13;" \
		"PYTHON=$(PYTHON) is $$($(PYTHON) --version 2>&1). Try: make PYTHON=python3.12 ..."; exit 1; }
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); exit 1; }

# The locked versions, each checked against its hash, then moot itself from this checkout
# without resolving anything, all with the pip the interpreter ships (upgrading it would be
# one more install the lock does not pin). pip check fails when one of moot's dependencies
# in pyproject.toml is not in the lock (it does not read the dev extra): run `make lock`
# after changing them.
$(STAMP): requirements.lock pyproject.toml | $(BIN)/python
	$(PIP) install --require-hashes -r requirements.lock
	$(PIP) install --no-deps -e .
	@$(BIN)/python -m pip check || { \
		echo "Run make lock: requirements.lock does not hold what pyproject.toml asks for."; exit 1; }
	@touch $(STAMP)

## lock: pin every dependency and the dev extra, with hashes, for every supported Python
# One universal lock: the pins hold from 3.11 (the lowest) up, and what only some Pythons
# or platforms need carries a marker (audioop-lts, which discord.py needs from 3.13).
# Pins that still satisfy pyproject.toml stay where they are;
# `make lock LOCK_FLAGS=--upgrade` moves every one to its newest release.
lock: | $(BIN)/python
	$(PIP) install uv==$(UV_VERSION)
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes \
		--universal --python-version 3.11 \
		--custom-compile-command "make lock" --quiet $(LOCK_FLAGS) --output-file requirements.lock

## run: start the bot (migrates and imports the corpus first)
run: $(STAMP)
	@$(BIN)/python -m bot run

## test: lint, format check, type check, migration check, every test
test: lint typecheck migrations-check pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy bot cogs sandbox

# upgrade head -> alembic check -> downgrade base -> upgrade head, on SQLite and PostgreSQL
migrations-check: $(STAMP)
	$(BIN)/pytest -q tests/db/test_migrations.py

# One worker per core: nothing in the suite waits for the wall clock, so the tests share
# the machine without changing what they see.
pytest: $(STAMP)
	$(BIN)/pytest -q --numprocesses auto --deselect tests/db/test_migrations.py

## bench: run every benchmark; figures land in bench/results/, the report in bench/REPORT.md
# The PostgreSQL runs need a server at MOOT_TEST_POSTGRES_URL; without one they say so
# and the rest goes on (the report shows when each figure was last measured).
bench: $(STAMP)
	$(BIN)/python bench/search.py
	$(BIN)/python bench/core.py
	$(BIN)/python bench/quotes.py
	$(BIN)/python bench/excerpts.py
	-$(BIN)/python bench/excerpts.py --processes 4 --servers 8000 --database postgresql --lead 150
	$(BIN)/python bench/round_ticks.py
	-$(BIN)/python bench/round_ticks.py --database postgresql
	$(BIN)/python bench/rounds.py
	-$(BIN)/python bench/rounds.py --database postgresql
	$(BIN)/python bench/floor.py
	$(BIN)/python bench/soak.py
	$(BIN)/python bench/report.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis .import_linter_cache
