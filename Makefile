# Two commands do everything: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SCALE ?= S
SEED ?= 42

export RAW_DATA_DIR ?= data/raw
export TRUTH_DATA_DIR ?= data/truth
export WAREHOUSE_PATH ?= data/warehouse.duckdb
export DBT_PROFILES_DIR := $(CURDIR)
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

.PHONY: setup data run test lint pytest bench clean

## setup: the virtualenv with the pinned dependencies (requirements.lock) and our package, editable
setup: $(VENV)/.installed

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

## run: set up, demo data if none, dbt build, and a short summary of what was built
run: data
	mkdir -p $(dir $(WAREHOUSE_PATH))
	$(BIN)/dbt build
	$(BIN)/audience summary

## test: every test: ruff, sqlfluff, pytest (unit tests and real dbt builds on fixtures and demo data)
test: setup lint pytest

lint: setup
	$(BIN)/ruff check src tests python_models
	$(BIN)/ruff format --check src tests python_models
	RAW_DATA_DIR=tests/fixtures/raw_minimal WAREHOUSE_PATH=$$(mktemp -d)/lint.duckdb \
		$(BIN)/sqlfluff lint models analyses tests/dbt

pytest: setup
	$(BIN)/pytest -n 2 --dist loadfile

## bench: generate (or reuse) data at SCALE=S|M|L, dbt build, figures into bench/results/
## (TESTS=0: models and seeds only, e.g. for L)
TESTS ?= 1
bench: setup
	$(BIN)/audience bench --scale $(SCALE) --seed $(SEED) $(if $(filter 0,$(TESTS)),--no-tests,)

clean:
	rm -rf target logs data/warehouse.duckdb
