# yugong — the two commands (plus one). See README.md.
#   make run    set everything up and serve http://127.0.0.1:8000 on SQLite
#   make test   set everything up and run ruff, mypy and pytest (SQLite, then PostgreSQL/Redis when present)
#   make bench  benchmarks against a production-style server on 127.0.0.1 (SCENARIO=name for one)
#   make lighthouse  Lighthouse scores (mobile) of four pages on that server (not part of make test)

PYTHON ?= python3.11
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
SCENARIO ?=

.PHONY: run test bench lighthouse setup deps assets db demo lint typecheck pytest clean messages

run: setup db demo
	@echo "渝工 is serving on http://$(HOST):$(PORT)/  (worker H5: /  ·  staff console: /console/)"
	$(PY) manage.py runserver $(HOST):$(PORT)

test: setup
	bash scripts/test.sh

bench: setup
	$(PY) -m bench $(if $(SCENARIO),--scenario $(SCENARIO),)

# Lighthouse (npm devDependency, mobile preset) on the worker home, a tab page, the news list and the
# console home, signed in, against the production-style server; not part of `make test`. Scores to
# bench/results/lighthouse-*.json. LIGHTHOUSE_ARGS="--pages home --runs 3"; CHROME_PATH=/usr/bin/chromium.
lighthouse: setup node_modules/.dev-installed
	$(PY) -m bench.lighthouse $(LIGHTHOUSE_ARGS)

# Only `make lighthouse` needs the npm devDependencies (~300 MB); `make run`/`make test` leave them out.
node_modules/.dev-installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch node_modules/.installed $@

setup: deps assets

deps: $(VENV)/.synced

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: requirements.lock $(UV)
	test -x $(PY) || $(UV) venv --quiet --python $(PYTHON) --no-python-downloads $(VENV)
	$(UV) pip sync --quiet --python $(PY) requirements.lock
	touch $@

assets: yugong/static/vendor/.copied

node_modules/.installed: package.json package-lock.json
	npm ci --omit=dev --no-audit --no-fund --loglevel=error
	touch $@

yugong/static/vendor/.copied: node_modules/.installed scripts/vendor.py yugong/web/icons.py $(shell find yugong -name "*.html" -path "*templates*")
	$(PY) scripts/vendor.py
	touch $@

db: deps
	$(PY) manage.py migrate --noinput

demo: db
	$(PY) manage.py seed_demo

lint: deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: deps
	$(VENV)/bin/mypy yugong bench

# One English catalogue for the whole project (Chinese is the source language): every app under
# yugong/ (python + templates) -> yugong/locale/en/LC_MESSAGES/django.po; msgmerge keeps existing
# translations. No JS uses gettext, so no djangojs domain. The compiled .mo is committed.
# Parallel branches put their English in yugong/locale/en/add-<branch>.po (one catalogue would
# conflict in every merge); scripts/po_fill.py folds them in and prints what is still untranslated.
MESSAGES_IGNORE := --ignore=tests --ignore=migrations --ignore=static --ignore=locale
messages: deps
	cd yugong && ../$(PY) ../manage.py makemessages -l en -d django --no-obsolete --no-location \
		--extension=html,txt,py $(MESSAGES_IGNORE)
	$(PY) scripts/po_fill.py
	cd yugong && ../$(PY) ../manage.py compilemessages -l en --ignore=static

clean:
	rm -rf $(VENV) $(TOOLS) node_modules yugong/static/vendor staticfiles
