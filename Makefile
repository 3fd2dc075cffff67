# Liaison: `make run` serves the site, `make test` runs the suite.
# Both create the virtual environment in .venv from requirements.lock on first use.

PYTHON ?= python3
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
# The file whose date records the last install: it is rebuilt when the lock file changes.
INSTALLED := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help run test lint format check bench bench-search screenshot backup restore lock clean

help:
	@echo "make run         set up, migrate, load the seed article, serve on 127.0.0.1:\$$PORT ($(PORT)) with a task worker"
	@echo "make test        run the whole test suite (SQLite unless DATABASE_URL is set)"
	@echo "make lint        ruff lint and format check, import-linter's contracts, template indentation (djhtml)"
	@echo "make format      ruff format and autofix, template indentation (djhtml)"
	@echo "make bench       the article (0, 200, 1,000 comments), home, a static file and a comment POST"
	@echo "                 under load: gunicorn with production settings, wrk; WORDPRESS=1 beside WordPress"
	@echo "make bench-search  search timings over 1,000 generated articles (rolled back)"
	@echo "make screenshot  refresh docs/screenshot.png through the browser test"
	@echo "make backup      database and uploads into var/backups/liaison-<time>.tar.gz (BACKUP=<path> for another)"
	@echo "make restore BACKUP=<path>  replace the database and uploads with a backup"
	@echo "make lock        re-resolve requirements.lock from pyproject.toml"

$(INSTALLED): requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Liaison needs Python 3.11 or newer (set PYTHON=...)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements.lock
	touch $@

# Development server: DEBUG on unless the environment says otherwise. The first run
# writes .env (DEBUG=1), so that later manage.py commands run in development mode too.
run: export DEBUG ?= 1
run: export SITE_DOMAIN ?= 127.0.0.1:$(PORT)
run: $(INSTALLED)
	@test -f .env || { printf '# Local settings for development (see .env.example).\nDEBUG=1\n' > .env; \
		echo "Wrote .env with DEBUG=1: manage.py commands on this machine run in development mode."; }
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_seed
	$(BIN)/python manage.py create_dev_admin
	@echo "Emails and image renditions are background tasks: a worker (manage.py db_worker)"
	@echo "runs beside the server and stops with it. Emails go to this console (DEBUG)."
	@$(BIN)/python manage.py db_worker --no-reload --interval 1 & worker=$$!; \
		trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
		$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# The checks run in development mode (DEBUG=1), which needs no SECRET_KEY;
# pytest takes its throwaway key from pyproject.toml. The tests run in parallel in
# pytest-xdist workers, one per core and at most 4, each with its own test database
# (PYTEST_WORKERS=0 runs them in one process); a worker takes a whole module or test class,
# so that rows made once for one (tests/scoped_data.py) are made once.
PYTEST_WORKERS ?= auto
test: $(INSTALLED)
	DEBUG=1 $(BIN)/python manage.py check --fail-level WARNING
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --maxprocesses=4 --dist loadscope $(PYTEST_ARGS)

# djhtml only reindents, and given a folder it reads only its .html files: the plain-text
# emails (comments/email/*.txt) and robots.txt, whose spacing is their content, stay as written.
lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/djhtml --check templates/

format: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/djhtml templates/

# Benchmarks, not tests: tests never assert time.
# The site under load in a throwaway database (bench/run.py says what it does and which
# variables change it: BENCH_DURATION=3 for a quick run, DATABASE_URL for PostgreSQL).
bench: $(INSTALLED)
	$(BIN)/python -m bench.run

# Search timings over 1,000 generated articles, rolled back afterwards (set DATABASE_URL
# for PostgreSQL).
bench-search: $(INSTALLED)
	DEBUG=1 $(BIN)/python manage.py migrate --noinput -v0
	DEBUG=1 $(BIN)/python manage.py bench_search --articles 1000

screenshot: $(INSTALLED)
	LIAISON_SCREENSHOT_DIR=$(CURDIR)/docs $(BIN)/python -m pytest -m browser -q

# One .tar.gz with the database (SQLite's backup API or pg_dump) and MEDIA_ROOT.
backup: $(INSTALLED)
	$(BIN)/python manage.py backup $(if $(BACKUP),--output "$(BACKUP)")

# Asks before replacing a database that holds accounts or articles (pass --yes to manage.py
# restore in scripts).
restore: $(INSTALLED)
	@test -n "$(BACKUP)" || { echo "Usage: make restore BACKUP=var/backups/liaison-....tar.gz"; exit 2; }
	$(BIN)/python manage.py restore "$(BACKUP)"

lock: $(INSTALLED)
	$(BIN)/pip-compile --quiet --allow-unsafe --generate-hashes --extra dev --strip-extras \
		--output-file requirements.lock pyproject.toml

clean:
	rm -rf $(VENV) .pytest_cache
