# Liaison: `make run` serves the site, `make test` runs the suite.
# Both create the virtual environment in .venv from requirements.lock on first use.

PYTHON ?= python3
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
# The file whose date records the last install: it is rebuilt when the lock file changes.
INSTALLED := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help run test lint format check bench bench-search screenshot lock clean

help:
	@echo "make run         set up, migrate, load the seed article, serve on 127.0.0.1:\$$PORT ($(PORT))"
	@echo "make test        run the whole test suite (SQLite unless DATABASE_URL is set)"
	@echo "make lint        ruff lint and format check, import-linter's contracts"
	@echo "make format      ruff format and autofix"
	@echo "make bench       the article (0, 200, 1,000 comments), home, a static file and a comment POST"
	@echo "                 under load: gunicorn with production settings, wrk; WORDPRESS=1 beside WordPress"
	@echo "make bench-search  search timings over 1,000 generated articles (rolled back)"
	@echo "make screenshot  refresh docs/screenshot.png through the browser test"
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
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# The checks run in development mode (DEBUG=1), which needs no SECRET_KEY;
# pytest takes its throwaway key from pyproject.toml.
test: $(INSTALLED)
	DEBUG=1 $(BIN)/python manage.py check --fail-level WARNING
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

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

lock: $(INSTALLED)
	$(BIN)/pip-compile --quiet --allow-unsafe --generate-hashes --extra dev --strip-extras \
		--output-file requirements.lock pyproject.toml

clean:
	rm -rf $(VENV) .pytest_cache
