# The two commands a newcomer needs: `make run` and `make test`. Everything else is their parts.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
DEV_SETTINGS := config.settings.dev
HOST ?= 127.0.0.1
PORT ?= 8000

# The first Python >= 3.12 found: $PYTHON if set, then the usual names, then pyenv's versions.
FIND_PYTHON = for candidate in "$$PYTHON" python3.13 python3.12 python3.14 \
	  $$(ls -d $$HOME/.pyenv/versions/3.1[2-9]*/bin/python3 /root/.pyenv/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV) python3; do \
	  [ -n "$$candidate" ] && command -v "$$candidate" >/dev/null 2>&1 \
	  && "$$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null \
	  && { command -v "$$candidate"; break; }; \
	done

.PHONY: run test install migrate seed demo-accounts static lint format check migrations-check messages clean

run: install migrate seed demo-accounts static  ## set everything up and serve on http://127.0.0.1:8000
	@echo "Serving on http://$(HOST):$(PORT)/ (public listing; /supervision/ statistics; /admin/; /api/) (Ctrl-C stops)"
	DJANGO_SETTINGS_MODULE=$(DEV_SETTINGS) $(VENV)/bin/gunicorn config.wsgi \
		--bind $(HOST):$(PORT) --workers 2 --access-logfile -

test: install  ## the whole test suite (DATABASE_URL=postgres://… runs it on PostgreSQL)
	$(PY) -m pytest $(PYTEST_ARGS)

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@python=$$($(FIND_PYTHON)); \
	if [ -z "$$python" ]; then \
	  echo "No Python 3.12 or newer was found. Install one (apt-get install python3.12, or" >&2; \
	  echo "pyenv install 3.13) or point PYTHON at it: make run PYTHON=/path/to/python3.12" >&2; \
	  exit 1; \
	fi; \
	if [ -x $(PY) ] && ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then \
	  echo "$(VENV) holds an older Python: making it anew"; rm -rf $(VENV); \
	fi; \
	[ -x $(PY) ] || { echo "Creating $(VENV) with $$python"; "$$python" -m venv $(VENV); }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

migrate: install
	DJANGO_SETTINGS_MODULE=$(DEV_SETTINGS) $(MANAGE) migrate --verbosity 0

seed: install
	DJANGO_SETTINGS_MODULE=$(DEV_SETTINGS) $(MANAGE) load_seeds

demo-accounts: install
	DJANGO_SETTINGS_MODULE=$(DEV_SETTINGS) $(MANAGE) create_demo_accounts

static: install
	DJANGO_SETTINGS_MODULE=$(DEV_SETTINGS) $(MANAGE) collectstatic --no-input --verbosity 0

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

check: install
	DJANGO_SETTINGS_MODULE=$(DEV_SETTINGS) $(MANAGE) check

migrations-check: install
	DJANGO_SETTINGS_MODULE=$(DEV_SETTINGS) $(MANAGE) makemigrations --check --dry-run

# The local PostgreSQL started if it is down (bench, soak).
START_POSTGRES = if command -v pg_isready >/dev/null && ! pg_isready --quiet --host 127.0.0.1; then \
	  echo "PostgreSQL is down: starting it"; \
	  pg_ctlcluster --skip-systemctl-redirect "$$(ls /etc/postgresql | head -n 1)" main start || true; \
	  for _ in $$(seq 30); do pg_isready --quiet --host 127.0.0.1 && break; sleep 1; done; \
	fi

.PHONY: bench soak
# Arguments go through BENCH_ARGS: make bench BENCH_ARGS="--sqlite --proposals 2000 --duration 3"
bench: install  ## measure the app on 100 000 generated proposals (wrk, gunicorn); writes bench.json
	@$(START_POSTGRES)
	$(MANAGE) bench $(BENCH_ARGS)

# Arguments go through SOAK_ARGS: make soak SOAK_ARGS="--restart-command 'systemctl restart postgresql'"
soak: install  ## restart PostgreSQL under load (wrk, gunicorn); writes soak.json
	@$(START_POSTGRES)
	$(MANAGE) soak $(SOAK_ARGS)

messages:  ## recompile locale/*.po (needs gettext); the .mo files are committed
	$(MANAGE) compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
