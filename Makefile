# Every target sets itself up: a fresh machine needs only Python 3.11+ and git.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

UV ?= $(shell command -v uv 2>/dev/null || echo python3 -m uv)
VENV := .venv
SYNCED := $(VENV)/.synced
SCV := $(VENV)/bin/scv
export SCV_HOME ?= $(CURDIR)/.scv
DEMO_CUSTOMERS ?= 10000

.PHONY: help setup demo test lint unit bench-scv clean

help: ## List the targets.
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(SYNCED): pyproject.toml uv.lock
	@command -v uv >/dev/null || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --frozen
	@touch $@

setup: $(SYNCED) ## Install uv when missing and the locked Python environment.

demo: $(SYNCED) ## The main job on the embedded default: demo delivery -> weekly build.
	$(SCV) demo-data --customers $(DEMO_CUSTOMERS) --out $(SCV_HOME)/inbox/demo
	$(SCV) build demo

lint: $(SYNCED) ## ruff, sqlfluff (dbt templater), client files, workflow schema and security audit.
	$(VENV)/bin/ruff check scripts tests
	$(VENV)/bin/ruff format --check scripts tests
	SCV_DUCKDB_PATH=$$(mktemp -d)/lint.duckdb $(VENV)/bin/sqlfluff lint models --processes 2
	$(SCV) client validate
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	$(VENV)/bin/zizmor --offline --quiet .github/workflows/

unit: $(SYNCED) ## pytest only.
	$(VENV)/bin/pytest

test: lint unit ## Everything CI runs: lint, then the tests.

bench-scv: $(SYNCED) ## Build the demo client at 100k and 1M records (BENCH_SCV_ARGS=--with-10m adds 10M).
	$(VENV)/bin/python -m scv.bench $(BENCH_SCV_ARGS)

clean: ## Remove builds, inboxes and caches under SCV_HOME and dbt's target/.
	rm -rf $(SCV_HOME) target logs
