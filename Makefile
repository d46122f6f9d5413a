# The two commands of the README:
#   make demo   set everything up, load the demo data and run the service (Ctrl-C stops it all)
#   make test   set everything up and run the whole test suite
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
PYTHON ?= python3.11

.PHONY: help system system-browser venv node services migrate setup demo demo-data serve test lint format messages clean

help:
	@echo "make demo   install, migrate, load the demo data and run web + worker + beat"
	@echo "make test   install, migrate and run the whole test suite (lint included)"

system:
	@scripts/system-deps.sh

system-browser:
	@scripts/system-deps.sh --browser

$(VENV)/.installed: requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "ERROR: $(PYTHON) not found: Vigie needs Python 3.11 (set PYTHON=/path/to/python3.11)"; exit 1; }
	@echo "==> Python environment in $(VENV)"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(VENV)/bin/pip install -q --disable-pip-version-check uv==0.13.9
	@$(VENV)/bin/uv pip sync -q --python $(PY) requirements.lock
	@touch $@

venv: $(VENV)/.installed

node_modules/.package-lock.json: package.json package-lock.json
	@echo "==> front-end libraries (npm ci)"
	@npm ci --no-audit --no-fund --loglevel=error
	@touch $@

node: node_modules/.package-lock.json

services: venv
	@scripts/services.sh up
	@scripts/secret-key.sh
	@scripts/vapid-keys.sh

messages: venv
	@$(MANAGE) compilemessages --ignore=.venv --ignore=node_modules -v 0

migrate: venv services
	@echo "==> database migrations"
	@$(MANAGE) migrate --noinput -v 0

setup: system venv node services messages migrate
	@$(MANAGE) collectstatic --noinput -v 0

demo-data: setup
	@echo "==> demo data"
	@$(MANAGE) load_demo

demo: demo-data
	@scripts/serve.sh

lint: venv
	@echo "==> ruff"
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .

format: venv
	@$(VENV)/bin/ruff format .
	@$(VENV)/bin/ruff check --fix .

test: system-browser setup lint
	@echo "==> tests (pytest, real PostGIS, Redis and Celery)"
	@DJANGO_SETTINGS_MODULE=config.settings.test $(VENV)/bin/pytest $(PYTEST_ARGS)

clean:
	@scripts/services.sh down
	rm -rf $(VENV) node_modules var/static
