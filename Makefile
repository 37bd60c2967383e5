# The commands people run. `make run` and `make test` work from a fresh clone.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: install run test screenshots test-packages lint format migrate seed bench clean check-python

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' || { \
	  echo "Tandem needs Python 3.12 or newer (Django 6); '$(PYTHON)' is $$($(PYTHON) --version 2>&1)."; \
	  echo "Install Python 3.13 (see .python-version) or run: make PYTHON=/path/to/python3.13 ..."; \
	  exit 1; }

$(VENV)/.installed: pyproject.toml | check-python
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	@$(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' || { \
	  echo "$(VENV) was made with $$($(PY) --version); remove it and run make again."; exit 1; }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet '.[dev]'
	@touch $@

install: $(VENV)/.installed

# The local demo (migrate, seed and run; not the tests, nor production, where DJANGO_DEBUG
# defaults to false): debug pages and development static files. Exported, so every command
# of these recipes gets it, the web server, worker and beat started by honcho too.
migrate seed run: export DJANGO_DEBUG ?= true

migrate: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable

seed: migrate
	$(PY) manage.py seed_demo
	$(PY) manage.py push_keys

# The local demo relaxes the MFA requirement for therapists and staff; production keeps it.
# Links in e-mails and the calendar feed use the address served here (web, worker and beat
# all get it: honcho gives each process its own PORT, so the Procfile cannot derive it).
# Ctrl-C is how the demo is stopped: the process manager then exits 130, which is no error.
run: seed
	@echo ""
	@echo "Tandem is starting on http://127.0.0.1:$(PORT)/  (sign in at /accounts/login/)"
	@echo "Demo mode: DJANGO_DEBUG=$$DJANGO_DEBUG, TANDEM_REQUIRE_MFA=$${TANDEM_REQUIRE_MFA:-false} (production requires MFA for therapists and staff)"
	@echo "Web server, Celery worker and Celery beat run together; Ctrl-C stops all three."
	@$(PY) manage.py demo_reminder --minutes 3
	@TANDEM_REQUIRE_MFA=$${TANDEM_REQUIRE_MFA:-false} TANDEM_SITE_URL=$${TANDEM_SITE_URL:-http://127.0.0.1:$(PORT)} honcho -f platform/Procfile -d . start -p $(PORT); \
	  status=$$?; if [ $$status -eq 130 ]; then echo "Tandem stopped."; exit 0; fi; exit $$status

# The suite needs Chromium, Redis and docker-compose: installed from Debian when missing
# (as root or with passwordless sudo), and a private Redis on a free port for the run.
test-packages:
	@bash platform/test-services.sh install

# In parallel (pytest-xdist), one worker per core: with the end-to-end tests handed out first,
# the cores are busy throughout, and on two cores a third worker measured as fast at best and
# up to a fifth slower. TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= $(shell nproc)
test: test-packages install
	bash platform/test-services.sh run $(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

# The accessibility walks, saving screenshots of the main screens (in light and dark, at a
# phone's and a desk's size) under var/artifacts/screenshots/; `make test` takes none.
screenshots: test-packages install
	TANDEM_SCREENSHOTS=1 bash platform/test-services.sh run $(PY) -m pytest -n $(TEST_WORKERS) \
	  --dist loadgroup tests/e2e/test_accessibility.py $(PYTEST_ARGS)

# lint-imports checks the layers of [tool.importlinter] in pyproject.toml (DESIGN.md's
# "Imports run one way").
lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

format: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

# Needs wrk (installed from Debian when missing, as for the tests), redis-server and, for the
# default size, PostgreSQL: make bench DATABASE_URL=postgres://... (it uses its own database
# there, tandem_bench). `make bench BENCH_ARGS=--small` is quick and works on SQLite too.
bench: install
	@bash platform/test-services.sh install wrk
	$(PY) -m benchmarks $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var
