# Every target installs what it needs into a local virtual environment first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PAGES ?= 200
SEED ?= 1
CONTENT := build/content-$(PAGES)-$(SEED)

# asv: one reference machine, described in results/$(MACHINE)/machine.json. asv reads
# machine descriptions from $HOME, so it gets a HOME of its own under .asv/.
MACHINE := reference
ASV := HOME=$(CURDIR)/.asv/home $(VENV)/bin/asv
ASV_MACHINE := .asv/home/.asv-machine.json
# Exploratory runs (continuous, find, quick) save into this config's scratch results,
# never into results/: asv overwrites saved results in those modes.
SCRATCH_CONF := .asv/scratch.conf.json
NPM_DIR := .asv/npm

.DEFAULT_GOAL := help
.PHONY: help site test clean bench history publish preview compare dashboard profile \
  regressions perf-check bisect

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

$(CONTENT): | $(VENV)/.installed
	rm -rf $@.tmp
	$(PY) -m benchmarks.corpus $@.tmp --pages $(PAGES) --seed $(SEED)
	mv $@.tmp $@

site: $(VENV)/.installed $(CONTENT) ## build the default content (PAGES=200 generated pages) into site/
	$(PY) -m pipeline build $(CONTENT) --out site --title "Pipeline demo"
	@echo "open site/index.html, or serve it: $(PY) -m http.server -d site 8000"

test: $(VENV)/.installed chromium ## lint and run the tests
	$(PY) -m ruff check pipeline tests benchmarks
	$(PY) -m ruff format --check pipeline tests benchmarks
	$(PY) -m pytest -q

# The dashboard test drives Debian's chromium; install it where we may.
.PHONY: chromium
chromium:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
	  || echo "chromium is not installed and cannot be: the dashboard test will be skipped"

PROFILE_PAGES ?= 1000
PROFILE_SIZES ?= 100,1000
profile: $(VENV)/.installed ## flame graphs, stage shares, hot functions and scaling of a PROFILE_PAGES=1000 build, in profiles/<commit>/
	$(PY) benchmarks/tools/profile_build.py --pages $(PROFILE_PAGES) --seed $(SEED) \
	  --sizes $(PROFILE_SIZES) --out profiles --cache build

$(ASV_MACHINE): results/$(MACHINE)/machine.json | $(VENV)/.installed
	$(PY) benchmarks/tools/asv_setup.py machine $@ --machine $(MACHINE)

# asv runs from its config's folder and installs the build backend (flit_core) named by the
# pyproject.toml it finds there: without one, the scratch config's environments cannot
# install any commit.
.asv/pyproject.toml:
	mkdir -p $(@D)
	ln -sf ../pyproject.toml $@

$(SCRATCH_CONF): asv.conf.json .asv/pyproject.toml | $(VENV)/.installed
	$(PY) benchmarks/tools/asv_setup.py config $@ --env .asv/env \
	  --results .asv/scratch-results --html .asv/scratch-html

bench: $(ASV_MACHINE) ## benchmark the current commit into results/
	$(ASV) run --machine $(MACHINE) --show-stderr HEAD^!

history: $(ASV_MACHINE) ## benchmark every commit on main that changed pipeline/ and has no result yet
	@git log --format=%H main -- pipeline | while read -r hash; do \
	  compgen -G "results/$(MACHINE)/$${hash:0:8}-*.json" >/dev/null || echo "$$hash"; \
	done > .asv/missing.txt
	@if [ -s .asv/missing.txt ]; then \
	  echo "benchmarking $$(wc -l < .asv/missing.txt) commit(s) with no result"; \
	  $(ASV) run --machine $(MACHINE) --show-stderr HASHFILE:.asv/missing.txt; \
	else echo "every commit that changed pipeline/ has a result"; fi

publish: $(ASV_MACHINE) ## build the dashboard into html/ (works offline), with its page of steps by commit
	$(ASV) publish
	@test -d $(NPM_DIR)/node_modules/flot || npm install --silent --no-audit --no-fund \
	  --ignore-scripts --prefix $(NPM_DIR) $$($(PY) benchmarks/tools/offline_dashboard.py --print-packages)
	$(PY) benchmarks/tools/offline_dashboard.py html $(NPM_DIR)
	$(PY) benchmarks/tools/regressions.py --machine $(MACHINE) --format html \
	  --out html/regressions-by-commit.html --nav-in html/index.html

preview: ## serve the dashboard on http://127.0.0.1:8080/
	$(PY) -m http.server --bind 127.0.0.1 --directory html 8080

compare: $(ASV_MACHINE) $(SCRATCH_CONF) ## benchmark A and B side by side (scratch results): make compare A=rev B=rev [BENCH=regex]
	@[ -n "$(A)" ] && [ -n "$(B)" ] || { echo "usage: make compare A=rev B=rev [BENCH=regex]"; exit 2; }
	$(ASV) --config $(SCRATCH_CONF) continuous --machine $(MACHINE) --split \
	  $(if $(BENCH),--bench '$(BENCH)') $(A) $(B)

FORMAT ?= text
regressions: $(VENV)/.installed ## steps by commit along main in results/, undone ones marked: make regressions [FORMAT=md] [ONLY=deterministic]
	@$(PY) benchmarks/tools/regressions.py --machine $(MACHINE) --format $(FORMAT) \
	  $(if $(ONLY),--only $(ONLY))

# make exits 2 whenever a recipe fails (its own convention); the check's status is printed.
perf-check: $(VENV)/.installed ## BASE (default: previous commit on main) vs the working tree; fails on a regression: make perf-check [BASE=rev] [ONLY=deterministic] [BENCH=regex]
	@$(PY) benchmarks/tools/perf_check.py --machine $(MACHINE) $(if $(BASE),--base '$(BASE)') \
	  $(if $(ONLY),--only $(ONLY)) $(if $(BENCH),--bench '$(BENCH)') \
	  || { status=$$?; echo "perf-check exit status $$status (1: regressed, 2: could not run)"; \
	       exit $$status; }

GOOD ?= $(shell git rev-list --first-parent main 2>/dev/null | tail -1)
BAD ?= HEAD
bisect: $(ASV_MACHINE) $(SCRATCH_CONF) ## find the commit that made BENCH step, with asv find (scratch results): make bisect BENCH=name [GOOD=rev BAD=rev] [INVERT=1]
	@[ -n "$(BENCH)" ] || { echo "usage: make bisect BENCH=name [GOOD=rev BAD=rev] [INVERT=1]"; exit 2; }
	$(ASV) --config $(SCRATCH_CONF) find --machine $(MACHINE) --show-stderr $(if $(INVERT),--invert) \
	  '$(BAD) --not $(GOOD)^@' '$(BENCH)'

dashboard: ## publish the committed history, benchmark what is missing, publish again
	$(MAKE) --no-print-directory publish
	$(MAKE) --no-print-directory history
	$(MAKE) --no-print-directory publish
	@echo "dashboard in html/: make preview, then open http://127.0.0.1:8080/"

clean: ## remove generated content, the site, the dashboard and the virtual environments
	rm -rf build site html .asv $(VENV)
