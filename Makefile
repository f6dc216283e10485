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
TEST_WORKERS ?= 2
# The servers `make servers-report`, `make patch` and `make audit-logs` work on (their workflows set
# the production one).
SCV_INVENTORY ?= playbooks/inventories/local

# The benchmarks live outside the package and share the tests' tools (tests/support).
BENCH := PYTHONPATH=$(CURDIR):$(CURDIR)/tests $(VENV)/bin/python -m
ANSIBLE_PLAYBOOK := ANSIBLE_CONFIG=playbooks/ansible.cfg $(VENV)/bin/ansible-playbook

.PHONY: help setup chromium java nginx sshd goaccess demo up down screenshots test lint unit bench-scv bench-spark bench-profile bench-promote bench-preview bench-match clean site-assets bench-site site-screenshots
.PHONY: uptime-pull uptime-push bench-uptime
.PHONY: servers-report patch
.PHONY: audit-logs bench-audit

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


# Debian's packages; the system services stay off (the local sites run nginx instances of their own).
nginx: ## Debian's nginx, for the sites (installed when missing).
	@if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then \
	  sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$sudo apt-get update -qq; \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends nginx; \
	fi

sshd: ## Debian's OpenSSH server, for the tests that run the playbooks over SSH (installed when missing).
	@if [ ! -x /usr/sbin/sshd ]; then \
	  sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$sudo apt-get update -qq; \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends openssh-server; \
	fi

goaccess: ## GoAccess, which bench-audit compares the audit with (installed when missing).
	@if ! command -v goaccess >/dev/null; then \
	  sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$sudo apt-get update -qq; \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends goaccess; \
	fi

demo: $(SYNCED) nginx site-assets ## Demo delivery -> build + check -> report -> test site -> promoted to live; both sites up.
	$(SCV) demo-data --customers $(DEMO_CUSTOMERS) --out $(SCV_HOME)/inbox/demo
	$(SCV) build demo
	$(SCV) report demo latest
	$(ANSIBLE_PLAYBOOK) playbooks/site.yml
	$(SCV) publish demo latest --env test
	@# A reviewer's approval promotes the build a promotion PR names in release.yml. The demo's build
	@# ids are made on this machine and never committed, so the demo names its build explicitly:
	@# the same promotion, pinned by the build's sealed manifest.
	$(SCV) promote demo --build latest
	@echo; echo "report    $(SCV_HOME)/sites/demo/test/current/report/index.html"; \
	 $(VENV)/bin/python -m scv.release.sites demo

up: $(SYNCED) nginx ## Start (or bring up to date) the local sites at client.yml's URLs: nginx under SCV_HOME.
	$(ANSIBLE_PLAYBOOK) playbooks/site.yml
	@$(VENV)/bin/python -m scv.release.sites

down: $(SYNCED) ## Stop the local sites.
	$(ANSIBLE_PLAYBOOK) playbooks/site.yml -e scv.release.sites_state=stopped

screenshots: $(SYNCED) chromium up ## Headless Chromium screenshots of the demo test site's report and site (served by nginx).
	@[ -e $(SCV_HOME)/sites/demo/test/current ] || $(MAKE) demo
	PYTHONPATH=$(CURDIR)/tests $(VENV)/bin/python -m support.screenshots demo test

audit-logs: $(SYNCED) ## The daily log audit of every server in SCV_INVENTORY, as log-audit.yml runs it.
	$(SCV) audit logs --inventory $(SCV_INVENTORY) --deny-list $(SCV_HOME)/audit/deny.conf

lint: $(SYNCED) ## ruff, import layers, sqlfluff (dbt templater), client files, workflow schema and security audit.
	$(VENV)/bin/ruff check scripts tests benchmarks
	$(VENV)/bin/ruff format --check scripts tests benchmarks
	$(VENV)/bin/lint-imports --no-cache  # the layer contracts in pyproject.toml
	SCV_DUCKDB_PATH=$$(mktemp -d)/lint.duckdb $(VENV)/bin/sqlfluff lint models --processes 2
	$(SCV) client validate
	$(SCV) uptime validate
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	$(VENV)/bin/zizmor --offline --quiet .github/workflows/
	$(SCV) access validate
	PATH=$(CURDIR)/$(VENV)/bin:$$PATH ANSIBLE_CONFIG=playbooks/ansible.cfg $(VENV)/bin/ansible-lint -c playbooks/.ansible-lint --nocolor -q playbooks

unit: $(SYNCED) chromium java nginx sshd site-assets ## pytest only, two workers (much of the time is spent waiting on nginx, Ansible and the JVM).
	$(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadfile

test: lint unit ## Everything CI runs: lint, then the tests.

bench-scv: $(SYNCED) ## Build the demo client at 1M and 10M records: wall, CPU, peak memory, F1, precision (BENCH_SCV_ARGS=--sizes=N,M for others).
	$(BENCH) benchmarks.scv_build $(BENCH_SCV_ARGS)

bench-spark: $(SYNCED) java ## Build the demo client at 1M records on Spark (local) and on DuckDB: seconds and peak memory.
	nice -n 10 $(BENCH) benchmarks.scv_build --engines spark,duckdb --sizes $${BENCH_SPARK_SIZES:-1000000}

bench-match: $(SYNCED) ## scv and Splink on the same generated deliveries (20k each, 1M): precision, recall, F1, seconds, memory.
	$(BENCH) benchmarks.match $(BENCH_MATCH_ARGS)

bench-profile: $(SYNCED) ## Profile a generated 10M-row, ~1 GB CSV (kept in SCV_HOME/bench/profile); print seconds and peak memory.
	$(BENCH) benchmarks.profile

bench-audit: $(SYNCED) goaccess ## Audit a generated 5M-line access log (BENCH_AUDIT_LINES=N, BENCH_AUDIT_ARGS=--no-goaccess); lines/s, peak memory, goaccess.
	$(BENCH) benchmarks.audit --lines $${BENCH_AUDIT_LINES:-5000000} $(BENCH_AUDIT_ARGS)

bench-uptime: $(SYNCED) ## `scv uptime check` of 1,000 endpoints on loopback (some slow, some down), 3 s timeout: seconds per run.
	$(BENCH) benchmarks.uptime

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

bench-promote: $(SYNCED) nginx ## 20 promote/rollback cycles of a live site under continuous requests: failures, mixed releases, latency.
	$(BENCH) benchmarks.promote

servers-report: $(SYNCED) ## Upkeep report of SCV_INVENTORY's servers (SCV_HOME/servers/index.html); exit 1 when one is red.
	$(SCV) servers report --inventory $(SCV_INVENTORY)

patch: $(SYNCED) ## Rolling patch of SCV_INVENTORY's servers, test before live (PATCH_ARGS=--check: change nothing).
	ANSIBLE_CONFIG=playbooks/ansible.cfg $(VENV)/bin/ansible-playbook --inventory $(SCV_INVENTORY) playbooks/patch.yml $(PATCH_ARGS)

bench-preview: $(SYNCED) ## A PR preview build in full vs dbt state:modified+ in a copy of live (BENCH_PREVIEW_ARGS=--records N).
	$(BENCH) benchmarks.preview $(BENCH_PREVIEW_ARGS)

clean: ## Stop the local sites; remove builds, inboxes and caches under SCV_HOME and dbt's target/.
	@if ls $(SCV_HOME)/nginx/*/nginx.pid >/dev/null 2>&1; then $(MAKE) down; fi
	rm -rf $(SCV_HOME) target logs

site-assets: node_modules/.package-lock.json ## The client site's npm packages (DuckDB-WASM, fflate, axe-core) from package-lock.json.

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

bench-site: $(SYNCED) nginx chromium site-assets ## The client site of a 1M-customer build in Chromium (BENCH_SITE_ARGS=--customers N): interactive, search, count, export, bytes.
	$(BENCH) benchmarks.site $(BENCH_SITE_ARGS)

site-screenshots: $(SYNCED) chromium up ## PNGs of each page type of the demo test site for the README (docs/screenshots/).
	@[ -e $(SCV_HOME)/sites/demo/test/current/site/search.html ] || $(MAKE) demo
	PYTHONPATH=$(CURDIR)/tests $(VENV)/bin/python -m support.site_screenshots
