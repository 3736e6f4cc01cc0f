# Two commands do everything: `make run` and `make test` (see README.md).
SHELL := /bin/bash
# The interpreter of the venv: Python 3.11, 3.12 or 3.13. Default: the first of python3, python3.13,
# python3.12, python3.11 that is one of them, on PATH or installed by pyenv (even when pyenv has not
# selected it); choose with `PYTHON=python3.13 make run` (a name or a path).
PYTHON_OK := import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))
find_python = $(shell for p in $(1); do \
	for c in $$p $${PYENV_ROOT:-$$HOME/.pyenv}/versions/*/bin/$$p; do \
	$$c -c '$(PYTHON_OK)' >/dev/null 2>&1 && { command -v $$c; exit 0; }; done; done)
ifeq ($(origin PYTHON),undefined)
PYTHON := $(call find_python,python3 python3.13 python3.12 python3.11)
else
override PYTHON := $(or $(call find_python,$(PYTHON)),$(PYTHON))
endif
VENV ?= .venv
BIN := $(VENV)/bin
SCALE ?= S
SEED ?= 42
# the dbt target of `make run`: duckdb (default) or spark (issue 14: `make run TARGET=spark`)
TARGET ?= duckdb

export RAW_DATA_DIR ?= data/raw
export TRUTH_DATA_DIR ?= data/truth
export WAREHOUSE_PATH ?= data/warehouse.duckdb
export DBT_PROFILES_DIR := $(CURDIR)
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

.PHONY: setup python data run test lint pytest browser bench clean spark-setup test-spark

## setup: the virtualenv with the pinned dependencies (requirements.lock) and our package, editable
## (recreated when PYTHON names another Python version than the venv's)
setup: python
	@if [ -x $(BIN)/python ] && [ "$$($(BIN)/python -c 'import sys; print(sys.version_info[:2])')" != \
		"$$($(PYTHON) -c 'import sys; print(sys.version_info[:2])')" ]; then \
		echo "$(VENV) has another Python than $(PYTHON): recreating it"; rm -rf $(VENV); fi
	@$(MAKE) --no-print-directory $(VENV)/.installed

python:
	@if [ -z "$(PYTHON)" ] || ! $(PYTHON) -c '$(PYTHON_OK)' 2>/dev/null; then \
		echo "This project needs Python 3.11, 3.12 or 3.13 (found: $(or $(PYTHON),none of python3," \
			"python3.13, python3.12, python3.11 on PATH in that range)). Install one, or name it:" \
			"PYTHON=/path/to/python3.12 make run" >&2; exit 1; fi

$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --constraint requirements.lock --editable '.[dev]'
	touch $@

## data: demo data at $(SCALE) into $(RAW_DATA_DIR), unless it already holds raw files
## (any layout of the raw contract: <table>.csv[.gz|.zst] or .parquet, or a directory <table>/ of them)
data: setup
	@if find $(RAW_DATA_DIR) -maxdepth 2 -type f \( -iname '*.parquet' -o -iname '*.csv' \
			-o -iname '*.csv.gz' -o -iname '*.csv.zst' \) 2>/dev/null | grep -q .; then \
		echo "raw data found in $(RAW_DATA_DIR): using it"; \
	else \
		$(BIN)/audience generate --scale $(SCALE) --seed $(SEED) --out $(RAW_DATA_DIR) --truth $(TRUTH_DATA_DIR); \
	fi

## run: set up, demo data if none, dbt build, publish the BI file (only after a build that passed),
## the erasure sweep (after publish: the published copy must be the erased build), the HTML segment report
## and a short summary of what was built
run: data
ifeq ($(TARGET),spark)
	$(MAKE) --no-print-directory spark-setup
	@command -v java >/dev/null || { echo "Spark needs Java 17 (java not found on PATH)" >&2; exit 1; }
	$(BIN)/audience pipeline --target spark
else
	mkdir -p $(dir $(WAREHOUSE_PATH))
	$(BIN)/dbt build
	$(BIN)/audience publish
	$(BIN)/audience erase  # after a new erasure request: purge exports and old published copies, compact (README "Erasure")
	$(BIN)/audience report
	$(BIN)/audience summary
endif

## test: every test: ruff, sqlfluff, pytest (unit tests, real dbt builds on fixtures and demo data,
## the semantic layer, `dbt docs generate`, the report in headless Chromium). The Spark test runs when the
## venv has the `.[spark]` extra (`make test-spark` installs it and runs it): with it `make test` took
## 38 minutes on 2 cores instead of about 15, over the CI budget, so CI's fresh venv skips it.
test: setup browser lint pytest

## browser: Debian's chromium for the report's browser test, installed with apt-get when missing and
## this user can (root); otherwise the test says what is missing (and fails under CI=true)
browser:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing Debian's chromium for the browser test"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "chromium is missing and cannot be installed here: the browser test will say so"; fi

lint: setup
	$(BIN)/ruff check src tests python_models orchestration
	$(BIN)/ruff format --check src tests python_models orchestration
	RAW_DATA_DIR=tests/fixtures/raw_minimal WAREHOUSE_PATH=$$(mktemp -d)/lint.duckdb \
		$(BIN)/sqlfluff lint models analyses tests/dbt

pytest: setup
	$(BIN)/pytest -n 2 --dist loadfile

## bench: side by side with the peers (issue 13): `make bench` runs back to back on the peers' input
## (PEERS_DATA, generated with ../shared/peers/make_test_data.py when empty) the pandas peer, the DuckDB
## reference, the warehouse's feature path and its full build with tests; REPEAT=3 for medians.
## `make bench SCALE=S|M|L`: the demo data at that scale, dbt build, per-model figures (TESTS=0: models only;
## INCREMENTAL=1: only the incremental day, as of the last full build at that scale, as on the peers' input).
## Results in bench/results/. See README.md, "Benchmark".
TESTS ?= 1
INCREMENTAL ?= 0
PEERS_DATA ?= data/bench/peers200k
PEERS_CUSTOMERS ?= 200000
PEERS_AS_OF ?= 2025-01-01
REPEAT ?= 1
bench: setup
ifeq ($(origin SCALE),file)
	$(BIN)/audience bench --peers --raw-dir $(PEERS_DATA) --customers $(PEERS_CUSTOMERS) --as-of $(PEERS_AS_OF) \
		--repeat $(REPEAT)
else
	$(BIN)/audience bench --scale $(SCALE) --seed $(SEED) $(if $(filter 0,$(TESTS)),--no-tests,) \
		$(if $(filter 1,$(INCREMENTAL)),--incremental,)
endif

clean:
	rm -rf target logs data/warehouse.duckdb

## ---------- Spark (issue 14; README "Running on Apache Spark")
## spark-setup: the `.[spark]` extra (dbt-spark with the session method, PySpark 4) in the venv; Java 17
## is not installed here: without it the Spark tests skip with the reason (they fail under CI=true)
spark-setup: setup
	@$(BIN)/python -c 'import pyspark, dbt.adapters.spark' 2>/dev/null || \
		$(BIN)/pip install --quiet --constraint requirements.lock --editable '.[dev,spark]'
	@command -v java >/dev/null || echo "Spark needs Java 17 (java not found on PATH): the Spark tests will say so" >&2

## test-spark: the Spark tests (tests/python/test_spark.py; skipped by `make test` without the extra): one Spark
## process builds every model at S with its key and contract tests and, here only (SPARK_TEST_RAW_CONTRACT=1:
## about 10 more minutes), the raw contract on messy input, compared with the DuckDB builds
test-spark: spark-setup
	SPARK_TESTS_REQUIRED=1 SPARK_TEST_RAW_CONTRACT=1 $(BIN)/pytest tests/python/test_spark.py
