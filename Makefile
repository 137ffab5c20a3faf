# Two commands: `make run` (demo on SpatiaLite, http://127.0.0.1:8000) and `make test` (suite on PostGIS).
# Each step leaves a stamp, so a second run only does what changed.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Debian's python3: its sqlite3 can load SpatiaLite (pyenv/conda builds often cannot).
SYSTEM_PYTHON ?= /usr/bin/python3
VENV := .venv
PY := $(VENV)/bin/python
GDAL_VERSION = $(shell gdal-config --version 2>/dev/null)
HOST ?= 127.0.0.1
PORT ?= 8000

# A developer's machine: debug pages and the built-in development key (production sets
# DJANGO_SECRET_KEY instead; settings.py refuses to start without one when DEBUG is off).
run serve demo migrate worker lint: export DJANGO_DEBUG ?= true

.PHONY: help run serve test lint format system-deps system-deps-test venv migrate demo worker bench soak clean frontend

help:
	@echo "make run    - set up what is missing, load demo rasters, serve on http://$(HOST):$(PORT)"
	@echo "make test   - set up what is missing and run the whole suite against PostGIS"
	@echo "make lint   - ruff check + format check + migrations check"
	@echo "make worker - start a Celery worker (needs CELERY_BROKER_URL or REDIS_URL)"
	@echo "make serve  - gunicorn in its production configuration on http://$(HOST):$(PORT)"

system-deps:
	@scripts/system-deps.sh run

system-deps-test:
	@scripts/system-deps.sh test

$(VENV)/bin/python:
	$(SYSTEM_PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip

# GDAL's bindings must be built against the system libgdal, at exactly its version.
# Built from source against the venv's NumPy headers and never from pip's cache (see the script).
$(VENV)/.gdal-$(GDAL_VERSION): | $(VENV)/bin/python
	scripts/gdal-bindings.sh $(VENV)
	rm -f $(VENV)/.gdal-* && touch $@

# The project's dependencies may move NumPy: check again that the bindings import before stamping.
$(VENV)/.deps: pyproject.toml $(VENV)/.gdal-$(GDAL_VERSION)
	$(VENV)/bin/pip install -q -e ".[dev]"
	scripts/check-gdal.sh $(VENV)
	touch $@

venv: system-deps
	@$(MAKE) --no-print-directory $(VENV)/.deps

# A random secret key of this checkout's own, so `manage.py …` works without DJANGO_DEBUG
# (settings.py refuses the public development key when DEBUG is off). Never overwritten.
.env:
	@printf '# Written by make: this checkout'"'"'s own secret key (see .env.example).\nDJANGO_SECRET_KEY=%s\n' \
		"$$($(SYSTEM_PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')" > $@
	@echo "wrote .env with a new DJANGO_SECRET_KEY"

migrate: venv .env
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo

run: demo frontend
	@echo "rastercatalog: http://$(HOST):$(PORT)/  (admin: http://$(HOST):$(PORT)/admin/, user admin / admin)"
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(PY) manage.py runserver $(HOST):$(PORT)

# gunicorn as in production: deploy/gunicorn.conf.py, and glibc's allocator settings from
# deploy/gunicorn.env, exported before gunicorn starts (glibc reads them at process start).
serve: demo frontend
	set -a && . deploy/gunicorn.env && set +a && \
		$(VENV)/bin/gunicorn project.wsgi -c deploy/gunicorn.conf.py --bind $(HOST):$(PORT)

worker: venv
	set -a && . deploy/gunicorn.env && set +a && \
		$(VENV)/bin/celery -A project worker --loglevel=info --concurrency=2

test: system-deps-test
	@$(MAKE) --no-print-directory $(VENV)/.deps frontend
	cd frontend && npm test
	@scripts/ensure-postgres.sh
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# The map viewer (frontend/): npm ci when the lockfile changes, a Vite build when a source does.
FRONTEND_SOURCES := $(shell find frontend/src -type f 2>/dev/null) frontend/index.html frontend/vite.config.js
frontend/node_modules/.installed: frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	touch $@

frontend/dist/.built: frontend/node_modules/.installed $(FRONTEND_SOURCES)
	cd frontend && npm run build
	touch $@

frontend: system-deps
	@$(MAKE) --no-print-directory frontend/dist/.built

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

format: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: venv
	$(PY) bench/ingest.py
	$(PY) bench/tiles.py
	$(PY) bench/search.py
	$(PY) bench/cog_convert.py

# Memory under load: 50 keep-alive clients for 3 minutes (README, "Memory").
soak: venv
	$(PY) bench/soak.py

clean:
	rm -rf $(VENV) var/db.sqlite3 var/demo .pytest_cache
