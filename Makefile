# Rapport: `make run` (demo on http://127.0.0.1:8000) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEV_ENV := RAPPORT_DEBUG=1 RAPPORT_DEMO_MODE=1

.PHONY: install run serve test test-fast e2e fuzz lint lock bench clean

$(STAMP): pyproject.toml requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24"
	$(PY) -m pip install --quiet --disable-pip-version-check -c requirements.lock -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

run: install
	$(DEV_ENV) $(PY) manage.py create_key_file
	$(DEV_ENV) $(PY) manage.py migrate --noinput
	$(DEV_ENV) $(PY) manage.py seed_demo
	@# Two background workers, stopped when the server stops: one for report batches, one for the single PDFs a
	@# clinician waits for (queue pdf), so a month's batch never holds those up; at the lowest CPU priority, so pages
	@# stay fast while a PDF renders (README "Performance at scale").
	$(DEV_ENV) $(PY) manage.py db_worker --queue-name default,reports --no-reload --verbosity 0 & worker=$$!; \
	$(DEV_ENV) nice -n 19 $(PY) manage.py db_worker --queue-name pdf --interval 0.5 --no-reload --verbosity 0 & pdfworker=$$!; \
	trap 'kill $$worker $$pdfworker 2>/dev/null; wait $$worker $$pdfworker 2>/dev/null' EXIT INT TERM; \
	$(DEV_ENV) $(PY) manage.py runserver 127.0.0.1:8000

# PYTEST_ARGS: extra pytest arguments, e.g. PYTEST_ARGS='-m "not e2e"' (CI's PostgreSQL pass).
test: install
	$(PY) -m pytest -n 2 --dist loadfile $(PYTEST_ARGS)

test-fast: install
	$(PY) -m pytest -n 2 --dist loadfile -m "not e2e"

e2e: install
	$(PY) -m pytest -m e2e -rs

# The API fuzz test's deeper profile: 10x the examples per operation of the CI run (tests/api/test_schema_fuzz.py).
fuzz: install
	RAPPORT_FUZZ_FACTOR=10 $(PY) -m pytest tests/api/test_schema_fuzz.py -n 2 --dist load -p no:randomly -q

lint: install
	$(VENV)/bin/ruff check .

lock:
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -e ".[dev]"
	$(PY) -m pip freeze --exclude-editable | grep -v '^-e' > requirements.lock

# Latency under load, queries per request at 100 and 5,000 couples, memory, and the earlier benchmarks; writes
# bench/results.md. PostgreSQL on 127.0.0.1 unless BENCH_DATABASE_URL says otherwise (set it empty for SQLite).
# BENCH_ARGS=--quick skips re-running the encryption, report and name-search benchmarks.
bench: install
	BENCH_DATABASE_URL=$${BENCH_DATABASE_URL-postgres://postgres@127.0.0.1:5432} $(PY) bench/scale_bench.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var staticfiles
