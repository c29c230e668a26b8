# wildwatch: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SPARK_STAMP := $(VENV)/.spark

.PHONY: audit run scan-demo test test-postgres lint typecheck unit bench spark-bench eval clean

# pdqhash (PDQ image hashes, wildwatch.signals) is published as source only: it is compiled (C++, so g++ is needed)
# against the locked numpy with these pinned build tools, without build isolation, before the rest of the lock.
PDQ_BUILD_TOOLS := setuptools==84.2.1 wheel==0.48.0 cython==3.3.1

# Create (or reuse) the virtual environment and install the locked dependencies.
$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock numpy $(PDQ_BUILD_TOOLS)
	$(BIN)/python -m pip install --quiet --no-build-isolation -c requirements.lock pdqhash
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

# The spark extra (pyspark and pandas, pinned by requirements-spark.lock, a superset of requirements.lock): the
# test suite runs the Spark engine in local mode, which also needs Java 17 (.ci/run installs it when missing).
$(SPARK_STAMP): $(STAMP) requirements-spark.lock
	$(BIN)/python -m pip install --quiet -r requirements-spark.lock
	@touch $(SPARK_STAMP)

# The main job: the hub on http://127.0.0.1:8000 with its embedded SQLite database (var/hub.sqlite3), seeded
# with the starter library and the demo data; the task-queue worker runs beside it.
run: $(STAMP)
	$(BIN)/wildwatch hub migrate --noinput -v0
	$(BIN)/wildwatch hub demo
	@echo "hub on http://127.0.0.1:8000 (Ctrl-C stops it)"
	@$(BIN)/wildwatch hub qcluster > var/qcluster.log 2>&1 & echo $$! > var/qcluster.pid; \
	  trap 'kill $$(cat var/qcluster.pid) 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/wildwatch hub runserver 127.0.0.1:8000

# Scan the bundled demo listings with the engine alone and print the summary.
scan-demo: $(STAMP)
	$(BIN)/wildwatch scan src/wildwatch/data/demo/listings.jsonl -o demo-results.jsonl --workers 2

# The whole test suite: lint (with security rules), types, the dependency audit, then every test (the Spark tests
# included, in local mode).
test: $(SPARK_STAMP) lint typecheck audit unit

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks tools

typecheck: $(SPARK_STAMP)
	$(BIN)/mypy

# pip-audit over requirements-spark.lock with the reasoned ignore list audit-ignore.toml (tools/audit_deps.py);
# WILDWATCH_AUDIT_REQUIRED=1 fails when no vulnerability service can be reached.
audit: $(SPARK_STAMP)
	$(BIN)/python tools/audit_deps.py

unit: $(SPARK_STAMP)
	$(BIN)/python -m pytest -n auto --dist loadgroup -p no:cacheprovider $(PYTEST_ARGS)

# The tests that depend on the database, on PostgreSQL (DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/wildwatch).
test-postgres: $(STAMP)
	$(BIN)/python -m pytest -n 2 -p no:cacheprovider tests/hub $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python benchmarks/scan_bench.py

spark-bench: $(SPARK_STAMP)
	$(BIN)/python benchmarks/spark_bench.py

eval: $(STAMP)
	$(BIN)/python tools/run_eval.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
