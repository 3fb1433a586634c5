# Casecast — developer commands. `make run` and `make test` are all a newcomer needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000
export SITE_URL ?= http://$(HOST):$(PORT)
# Tests run in parallel processes (pytest-xdist), one per core up to four, a test file per
# process at a time; each process has its own test database and Redis database
# (tests/conftest.py). `make test PARALLEL=` runs them in one process.
PARALLEL ?= -n auto --maxprocesses=4 --dist loadfile

.PHONY: run install seed test test-fast test-slow test-faults smoke lint typecheck check bench css clean help

help:
	@echo "make run      install, migrate, seed the demo and serve on http://$(HOST):$(PORT)"
	@echo "make test     the whole test suite (PostgreSQL/Redis when DATABASE_URL/CELERY_BROKER_URL are set)"
	@echo "make bench    benchmarks (scoring and insights engines, journey, pipeline, health, load, exports); figures in docs/performance.md"
	@echo "make check    ruff format --check, ruff check, lint-imports, mypy (--strict for the engines), makemigrations --check"

run: install seed
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Casecast needs Python 3.11 or newer")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

seed: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo

test: install
	$(BIN)/python -m pytest $(PARALLEL) $(PYTEST_ARGS)

test-fast: install
	$(BIN)/python -m pytest $(PARALLEL) -m "not browser and not worker and not slow" $(PYTEST_ARGS)

test-slow: install
	$(BIN)/python -m pytest $(PARALLEL) -m slow $(PYTEST_ARGS)

# Fault injection against real services (needs DATABASE_URL and CELERY_BROKER_URL).
test-faults: install
	$(BIN)/python -m pytest -m faults $(PYTEST_ARGS)

# Production settings, backup/restore drill and gunicorn smoke test (needs PostgreSQL, Redis).
smoke: install
	PY=$(BIN)/python .ci/smoke

# lint-imports checks the import contracts in pyproject.toml (layers, pure engines,
# one-way task dependencies); PYTHONPATH makes it read this checkout's source.
lint: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	PYTHONPATH=platform:. $(BIN)/lint-imports

# The pure engines are held to --strict as well (no Any leaking out of numpy).
typecheck: install
	$(BIN)/mypy platform/casecast tasks
	$(BIN)/mypy --strict platform/casecast/scoring platform/casecast/randomisation \
		platform/casecast/insights platform/casecast/analysis

check: lint typecheck
	$(BIN)/python manage.py makemigrations --check --dry-run

# Every benchmark runs; the target fails at the end if any missed its goal.
# bench_pipeline.py, bench_exports.py and bench_insights_pages.py need PostgreSQL (DATABASE_URL,
# default casecast_bench on 127.0.0.1);
# bench_healthz.py needs PostgreSQL and Redis (CELERY_BROKER_URL, default db 1 on 127.0.0.1).
# bench/load/bench_load.py needs PostgreSQL and Redis (default casecast_capacity, Redis db 9)
# and starts its own gunicorn and Celery worker on 127.0.0.1:8710 (about 2 minutes).
bench: install
	@failed=""; for script in bench/bench_*.py bench/load/bench_load.py; do \
		echo "== $$script"; $(BIN)/python $$script || failed="$$failed $$script"; \
	done; \
	if [ -n "$$failed" ]; then echo "targets missed in:$$failed"; exit 1; fi

css:
	cd platform/frontend && npm ci && npm run build

clean:
	rm -rf $(VENV) casecast.egg-info .pytest_cache .mypy_cache .ruff_cache .import_linter_cache staticfiles test-artifacts casecast.sqlite3
