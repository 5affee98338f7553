# The two commands: `make run` (set up everything and serve on :8002) and `make test` (the whole suite).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
export PIP_DISABLE_PIP_VERSION_CHECK := 1

FRONTEND_SOURCES := $(shell find frontend/src frontend/public -type f 2>/dev/null) \
	$(wildcard frontend/index.html frontend/vite.config.js frontend/package.json) activity/schema/event-v1.json

.PHONY: run install install-dev frontend frontend-deps migrate demo-data test test-python test-frontend audit bench load-test clean help

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | column -t -s $$'\t'

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -qq --upgrade pip

$(VENV)/.installed: requirements.txt | $(PY)
	$(PIP) install -qq -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(PY)
	$(PIP) install -qq -r requirements-dev.txt
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed  ## Create the virtualenv and install the runtime requirements

install-dev: $(VENV)/.installed-dev  ## ... and the test requirements

frontend/node_modules/.package-lock.json: frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error

frontend-deps: frontend/node_modules/.package-lock.json

frontend/dist/index.html: frontend/node_modules/.package-lock.json $(FRONTEND_SOURCES)
	cd frontend && npm run build

frontend: frontend/dist/index.html  ## Build the web app into frontend/dist (served by Django)

migrate: install
	$(PY) manage.py migrate --noinput

demo-data: migrate  ## Load the demo catalog (through the ETL) and its videos; safe to repeat
	$(PY) manage.py create_demo_editor
	$(PY) manage.py load_demo --editor editor
	$(PY) manage.py generate_demo_videos

run: install frontend demo-data  ## Install, migrate, load the demo and serve on http://localhost:8002
	$(PY) manage.py collectstatic --noinput -v0
	@$(PY) manage.py create_demo_editor
	@echo "Serving on http://localhost:8002  (admin: /admin/, API: /api/v1/, docs: /api/docs/)"
	scripts/serve_embedded.sh

test: install-dev frontend  ## Run every test: Python (unit, integration, browser end-to-end), the frontend's, the audit
	$(MAKE) test-frontend
	$(MAKE) test-python
	$(MAKE) audit

# The browser tests run apart: their backend writes to the test database outside test transactions.
test-python: install-dev
	$(VENV)/bin/pytest -n 2 --ignore=tests/e2e
	$(VENV)/bin/pytest tests/e2e

audit: install-dev frontend-deps  ## Known vulnerabilities with a fix in the Python and npm dependencies
	scripts/audit.sh

test-frontend: frontend-deps
	cd frontend && npm test

bench: install-dev  ## Run the benchmarks (see bench/README.md); they print figures, they do not pass or fail
	$(PY) bench/catalog_bench.py
	$(PY) bench/etl_bench.py
	$(PY) bench/stream_bench.py
	$(PY) bench/activity_bench.py

load-test: install-dev frontend  ## The 5-minute loopback load test of the whole stack (bench/README-load.md)
	$(PY) bench/load_test.py

clean:  ## Remove the virtualenv, built files and local data (the embedded database included)
	-$(PY) -c "import sys" 2>/dev/null && pkill -f "$(CURDIR)/var/postgres" || true
	rm -rf $(VENV) var staticfiles frontend/dist frontend/node_modules
