# wildwatch: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck unit bench eval clean

# Create (or reuse) the virtual environment and install the locked dependencies.
$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

# The main job: scan the bundled demo listings and print the summary.
run: $(STAMP)
	$(BIN)/wildwatch scan src/wildwatch/data/demo/listings.jsonl -o demo-results.jsonl --workers 2
	@echo "decisions written to demo-results.jsonl"

# The whole test suite: lint, types, then every test.
test: $(STAMP) lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks tools

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest -n auto -p no:cacheprovider $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python benchmarks/scan_bench.py

eval: $(STAMP)
	$(BIN)/python tools/run_eval.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
