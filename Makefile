# The two commands a newcomer needs: `make run` and `make test`.
# Everything is installed into .venv from requirements.txt; the database is an
# embedded PostgreSQL under var/ unless DATABASE_URL is set.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

# The shop defaults to production (DEBUG off, which needs a SECRET_KEY of its own), so the
# development targets turn DEBUG on unless the environment sets it. `make serve` and `make bench`
# run production-style with keys of their own; `make backup` and `make restore` run with the
# deployment's own settings (environment or .env) and get no default here; `make test` uses
# tests/settings.py.
run db messages: export DEBUG ?= 1

.PHONY: install db run serve test lint format bench stopdb browser messages clean

$(INSTALLED): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(INSTALLED)

install: $(INSTALLED)

db: install
	$(PY) manage.py migrate --noinput

# The task worker runs beside the dev server so order and account emails go
# out (printed to the console unless EMAIL_URL says otherwise).
# Email links and canonical URLs point where this server runs, unless SITE_URL says otherwise.
RUN_SITE_URL = $(or $(SITE_URL),http://$(HOST):$(PORT))
run: db
	$(PY) manage.py seed_demo --if-empty
	$(PY) manage.py seed_demo_orders
	export SITE_URL="$(RUN_SITE_URL)"; \
		$(PY) manage.py db_worker --no-reload & worker=$$!; \
		trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
		$(PY) manage.py runserver $(HOST):$(PORT)

# Production-style: gunicorn, DEBUG off, static files collected and served by WhiteNoise.
# One sync worker per CPU, as `make bench` runs it: the work is CPU-bound next to a
# local PostgreSQL, and more workers than CPUs measured slower (benchmarks/README.md).
# The app logs one line per request itself, so gunicorn writes no access log.
WEB_WORKERS ?= $(shell nproc 2>/dev/null || echo 2)
serve: db
	@mkdir -p var
	@test -s var/secret_key || $(PY) -c "import secrets; print(secrets.token_urlsafe(50))" > var/secret_key
	export DEBUG=0 HTTPS=0 SERVE_MEDIA=1 SECRET_KEY="$$(cat var/secret_key)"; \
		$(PY) manage.py seed_demo --if-empty && \
		$(PY) manage.py collectstatic --noinput -v 0 && \
		{ $(PY) manage.py db_worker --no-reload & worker=$$!; \
		  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
		  $(VENV)/bin/gunicorn shop.wsgi --bind $(HOST):$(PORT) --workers $(WEB_WORKERS) \
			--worker-class sync --no-control-socket; }

# Chromium for the browser tests comes from Debian (Playwright's own download
# does not work everywhere); installed only when missing.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "Installing Chromium for the browser tests (apt-get)..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

test: install browser
	$(PY) -m pytest $(PYTEST_ARGS)

# Style, formatting, and the import contracts in pyproject.toml (apps import one way).
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Load test on a separate database (<db>_bench); wrk comes from Debian and is
# installed only when missing. Report: benchmarks/results/latest.md.
bench: install
	@command -v wrk >/dev/null 2>&1 || { \
		echo "Installing wrk for the benchmark (apt-get)..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	$(PY) -m benchmarks.run $(if $(BENCH_PRODUCTS),--products $(BENCH_PRODUCTS)) $(BENCH_ARGS)

# Compile translations after editing locale/zh_Hans/LC_MESSAGES/django.po.
messages: install
	$(PY) manage.py compilemessages --ignore .venv

stopdb: install
	$(PY) -c "from pathlib import Path; from shop.embedded_db import stop; stop(Path('var/postgres').resolve())"

clean: stopdb
	rm -rf var staticfiles

# Backup: var/backups/<UTC timestamp>/ with db.dump (pg_dump, custom format), media.tar.gz and a
# manifest of checksums. Restore one (asks first; stop web processes and workers before):
#   make restore BACKUP=var/backups/20250101T020000Z
.PHONY: backup restore
backup: install
	$(PY) manage.py backup

restore: install
	@test -n "$(BACKUP)" || { echo "Usage: make restore BACKUP=var/backups/<timestamp>"; exit 2; }
	$(PY) manage.py restore "$(BACKUP)"
