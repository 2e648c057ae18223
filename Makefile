# The README's two commands: `make run` and `make test`. Everything else is what they are made of.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# Python's bytecode cache (__pycache__, git-ignored) on, whatever the environment says: where
# PYTHONDONTWRITEBYTECODE is set (CI's machine sets it), every process compiled this project's modules
# anew, and pytest its rewritten tests: each of the suite's two workers and each server and command
# its tests start (docs/performance.md)
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run install seed dev serve test lint format fixture backup restore

## run: install, migrate, load the seed corpus, create the demo editor, serve on http://127.0.0.1:8000
run: seed dev

## install: the virtual environment in .venv with requirements.txt, and a local .env for development
install: $(VENV)/.installed .env

$(VENV)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

# A development .env (git-ignored): DEBUG on and a random SECRET_KEY made once for this clone.
.env:
	printf 'DEBUG=true\nSECRET_KEY=%s\n' "$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')" > $@

## seed: migrate, load fixtures/seed.json into an empty database, create the demo editor (idempotent)
seed: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed

# A task-queue worker beside the server (background regrades, apps/credibility/tasks.py): started
# first, stopped when the server stops, and Ctrl-C stops both. Prefix a recipe line that runs a server.
WITH_WORKER = $(BIN)/python manage.py procrastinate worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; trap 'exit 130' INT TERM;

## dev: the development server (reloads on every change; DEBUG from .env) and a task-queue worker
## (which does not reload: restart `make dev` after changing a task)
dev: install
	@$(WITH_WORKER) $(BIN)/python manage.py runserver $(HOST):$(PORT)

# `make serve` answers plain HTTP on this machine; behind a proxy that terminates TLS, run it with
# LOCAL_HTTP=false (HTTPS redirects, secure cookies, HSTS: docs/scaling.md)
LOCAL_HTTP ?= true
SERVE_ENV = DEBUG=false STATIC_MANIFEST=true ALLOWED_HOSTS=$${ALLOWED_HOSTS:-127.0.0.1,localhost} \
	DATABASE_POOL=$${DATABASE_POOL:-true} \
	$(if $(filter true,$(LOCAL_HTTP)),SECURE_SSL_REDIRECT=false SESSION_COOKIE_SECURE=false \
	CSRF_COOKIE_SECURE=false SECURE_HSTS_SECONDS=0 SECURE_HSTS_INCLUDE_SUBDOMAINS=false SECURE_HSTS_PRELOAD=false)

## serve: the production server: gunicorn (two workers a core, and one), DEBUG off, static files
## collected and served by whitenoise, and a task-queue worker beside it; HOST, PORT and
## WEB_CONCURRENCY set where and how many
serve: install
	$(SERVE_ENV) $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@export $(SERVE_ENV); $(WITH_WORKER) \
	HOST=$(HOST) PORT=$(PORT) $(BIN)/gunicorn --config claimtrack/gunicorn.conf.py claimtrack.wsgi

## test: the whole suite, one worker per core, on DATABASE_URL when set, else on the embedded
## PostgreSQL under var/ (one server, a test database per worker); prints how long it took
# loadgroup: tests marked with one xdist_group run in one worker (the replica tests share the pair of
# servers they start; the fuzz tests share the cases they draw); every other test is handed out as
# with the default
test: install
	@started=$$(date +%s); $(BIN)/python -m pytest -n auto --dist loadgroup; status=$$?; \
	echo "make test: $$(( $$(date +%s) - started )) s on $$(nproc) cores (load average $$(cut -d' ' -f1-3 /proc/loadavg))"; \
	exit $$status

## lint: ruff check and ruff format --check
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## format: apply ruff's fixes and formatting
format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## fixture: rebuild fixtures/seed.json from fixtures/curation.yaml
fixture: install
	$(BIN)/python manage.py build_seed_fixture

## backup: dump the configured database to backups/claimtrack-YYYYmmdd-HHMMSS.dump and print its path
backup: install
	$(BIN)/python manage.py backup

## restore: restore FILE=backups/….dump into the configured database, in one transaction
restore: install
	@test -n "$(FILE)" || { echo "make restore needs FILE=backups/claimtrack-….dump" >&2; exit 2; }
	$(BIN)/python manage.py restore "$(FILE)"
