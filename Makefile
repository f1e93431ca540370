# productops: `make run` serves the app with demo data; `make test` runs the linters and the tests.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

SHELL := /bin/bash
PORT ?= 8000
# The embedded PostgreSQL's folder, as settings.py finds it.
DATA ?= $(or $(PRODUCTOPS_DATA_DIR),.data)
# `make run` uses DATABASE_URL / REDIS_URL when set, else the embedded defaults (settings.py);
# `make run PORT=8001` serves on another port.
# `make test` and `make bench` first look for PostgreSQL and Redis at 127.0.0.1.

.PHONY: run stop test lint format bench venv migrate seed clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || "$$(bin/find-python)" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

migrate: venv
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo --port $(PORT)

run: seed
	$(PY) manage.py serve --addr 127.0.0.1:$(PORT)

# The embedded PostgreSQL keeps running after `make run` stops (so the next start is quick).
stop:
	@if [ -x $(PY) ]; then $(PY) -m productops.embedded stop "$(DATA)"; fi

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	@# mypy's Django plugin loads the settings but never connects: a URL that is never dialled
	@# keeps it from starting the embedded PostgreSQL (and leaving it running) just to lint.
	DATABASE_URL="$${DATABASE_URL:-postgres://lint@127.0.0.1:1/never_dialled}" $(VENV)/bin/mypy

format: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: lint
	@. bin/local-services.sh && $(PY) -m pytest $(PYTEST_ARGS)

bench: venv
	@. bin/local-services.sh && $(PY) -m bench

# Stops the embedded PostgreSQL first: deleting its folder under it would leave that server
# running on deleted files, out of reach of `make stop`, until it is killed by hand.
clean:
	@$(MAKE) --no-print-directory stop DATA=.data
	rm -rf $(VENV) .data staticfiles
