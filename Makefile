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

.PHONY: help setup chromium java demo serve screenshots test lint unit bench-scv bench-spark bench-profile clean
.PHONY: uptime-pull uptime-push bench-uptime

help: ## List the targets.
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(SYNCED): pyproject.toml uv.lock
	@command -v uv >/dev/null || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --frozen --compile-bytecode  # every scv process starts faster, even where PYTHONDONTWRITEBYTECODE is set
	@touch $@

setup: $(SYNCED) ## Install uv when missing and the locked Python environment.

chromium: ## Debian's chromium and chromedriver, for the page tests and screenshots (installed when missing).
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
	  sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$sudo apt-get update -qq; \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends chromium chromium-driver; \
	fi

java: ## A Java runtime for Spark builds (clients with `engine: spark`; installed when missing).
	@if ! command -v java >/dev/null; then \
	  sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$sudo apt-get update -qq; \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends default-jre-headless; \
	fi

demo: $(SYNCED) ## The weekly job on the embedded default: demo delivery -> build + check -> report -> test site.
	$(SCV) demo-data --customers $(DEMO_CUSTOMERS) --out $(SCV_HOME)/inbox/demo
	$(SCV) build demo
	$(SCV) report demo latest
	$(SCV) publish demo latest --env test
	@current=$(SCV_HOME)/sites/demo/test/current; \
	 echo; echo "report    $$current/report/index.html"; \
	 echo "site      $$(grep -A1 '^  test:' clients/demo/client.yml | sed -n 's/ *url: *//p')  (make serve: serves $$current/site there)"

serve: $(SYNCED) ## Serve the demo client's test site on its URL until Ctrl-C (nginx comes with its own issue).
	$(VENV)/bin/python -m scv.serve demo test

screenshots: $(SYNCED) chromium ## Headless Chromium screenshots of the demo test site's report and site.
	@[ -e $(SCV_HOME)/sites/demo/test/current ] || $(MAKE) demo
	$(VENV)/bin/python -m scv.screenshots demo test

lint: $(SYNCED) ## ruff, sqlfluff (dbt templater), client files, workflow schema and security audit.
	$(VENV)/bin/ruff check scripts tests
	$(VENV)/bin/ruff format --check scripts tests
	SCV_DUCKDB_PATH=$$(mktemp -d)/lint.duckdb $(VENV)/bin/sqlfluff lint models --processes 2
	$(SCV) client validate
	$(SCV) uptime validate
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	$(VENV)/bin/zizmor --offline --quiet .github/workflows/

unit: $(SYNCED) chromium java ## pytest only.
	$(VENV)/bin/pytest

test: lint unit ## Everything CI runs: lint, then the tests.

bench-scv: $(SYNCED) ## Build the demo client at 100k and 1M records (BENCH_SCV_ARGS=--with-10m adds 10M).
	$(VENV)/bin/python -m scv.bench $(BENCH_SCV_ARGS)

bench-spark: $(SYNCED) java ## Build the demo client at 1M records on Spark (local) and on DuckDB: seconds and peak memory.
	nice -n 10 $(VENV)/bin/python -m scv.bench --engines spark,duckdb --sizes $${BENCH_SPARK_SIZES:-1000000}

bench-profile: $(SYNCED) ## Profile a generated 10M-row, ~1 GB CSV (kept in SCV_HOME/bench/profile); print seconds and peak memory.
	$(VENV)/bin/python -m scv.bench_profile

bench-uptime: $(SYNCED) ## `scv uptime check` of 1,000 endpoints on loopback (some slow, some down), 3 s timeout: seconds per run.
	$(VENV)/bin/python -m scv.bench_uptime

# Uptime history is the ops-state branch, a clone of it at SCV_HOME/uptime. The git commands live
# here, not in the workflow. In a workflow the token travels as an HTTP header in git's environment:
# never in .git/config, a URL or a command line.
OPS_STATE_BRANCH ?= ops-state
OPS_STATE_REMOTE ?= $(shell git remote get-url origin 2>/dev/null)
define UPTIME_GIT_SETUP
dir="$(SCV_HOME)/uptime"; branch="$(OPS_STATE_BRANCH)"; \
if [ -n "$${GITHUB_TOKEN:-}" ]; then \
  export GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=http.extraheader; \
  export GIT_CONFIG_VALUE_0="AUTHORIZATION: basic $$(printf 'x-access-token:%s' "$$GITHUB_TOKEN" | base64 -w0)"; \
fi; \
git() { command git -C "$$dir" -c user.name="scv uptime" -c user.email="scv-uptime@users.noreply.github.com" "$$@"; }
endef

uptime-pull: ## Fetch the uptime history (branch ops-state) into SCV_HOME/uptime; the branch starts there if new.
	@$(UPTIME_GIT_SETUP); \
	[ -n "$(OPS_STATE_REMOTE)" ] || { echo "error: no git remote origin: set OPS_STATE_REMOTE" >&2; exit 2; }; \
	mkdir -p "$$dir"; \
	[ -d "$$dir/.git" ] || { git init -q -b "$$branch"; git remote add origin "$(OPS_STATE_REMOTE)"; }; \
	found=0; git ls-remote --exit-code --heads origin "$$branch" >/dev/null || found=$$?; \
	case $$found in \
	  0) git fetch -q origin "$$branch"; \
	     if git rev-parse -q --verify HEAD >/dev/null; then git rebase -q --autostash FETCH_HEAD; \
	     else git checkout -q -B "$$branch" FETCH_HEAD; fi; \
	     echo "uptime history: $$branch at $$(git log -1 --format='%h %s') in $$dir";; \
	  2) echo "uptime history: no $$branch branch yet; it starts in $$dir";; \
	  *) echo "error: cannot reach $(OPS_STATE_REMOTE) (git ls-remote exit $$found)" >&2; exit 1;; \
	esac

uptime-push: ## Commit SCV_HOME/uptime (history, incidents, status page) and push it to the ops-state branch.
	@$(UPTIME_GIT_SETUP); \
	[ -d "$$dir/.git" ] || { echo "error: $$dir is not a clone of $$branch: run make uptime-pull first" >&2; exit 2; }; \
	git add -A; \
	if git diff --cached --quiet; then echo "uptime history: nothing new to commit"; \
	else git commit -q -m "uptime: $$(date -u +%Y-%m-%dT%H:%M:%SZ)"; fi; \
	if ! git push -q origin "HEAD:refs/heads/$$branch" 2>/dev/null; then \
	  git pull -q --rebase origin "$$branch"; git push -q origin "HEAD:refs/heads/$$branch"; \
	fi; \
	echo "uptime history: pushed $$(git log -1 --format='%h %s') to $$branch"

clean: ## Remove builds, inboxes and caches under SCV_HOME and dbt's target/.
	rm -rf $(SCV_HOME) target logs
