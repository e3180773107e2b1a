# A menu: every target installs what it needs into a local virtual environment, then calls
# one command of the perftools package (python -m perftools --help), where the logic is.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PERFTOOLS := $(PY) -m perftools
PAGES ?= 200
SEED ?= 1
# asv's reference machine, described in results/$(MACHINE)/machine.json.
MACHINE := reference
PROFILE_PAGES ?= 1000
PROFILE_SIZES ?= 100,1000
FORMAT ?= text
BAD ?= HEAD
# Rounds of a paired session (perftools/paired.py): bench, history, perf-check.
ROUNDS ?= 6
TRIALS ?= 5
NOOPS ?= 10

.DEFAULT_GOAL := help
.PHONY: help site test clean bench history publish preview compare dashboard profile \
  regressions perf-check bisect validate-stats

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

site: $(VENV)/.installed ## build the default content (PAGES=200 generated pages) into site/
	$(PERFTOOLS) site --pages $(PAGES) --seed $(SEED) --out site

test: $(VENV)/.installed ## lint, then the fast tests, then the slow ones (installs chromium where it may)
	$(PERFTOOLS) test

profile: $(VENV)/.installed ## flame graphs, stage shares, hot functions and scaling of a PROFILE_PAGES=1000 build, in profiles/<commit>/
	$(PERFTOOLS) profile --pages $(PROFILE_PAGES) --seed $(SEED) --sizes $(PROFILE_SIZES) --out profiles --cache build

bench: $(VENV)/.installed ## benchmark the current commit into results/, then pair it with its predecessor [ROUNDS=6]
	$(PERFTOOLS) bench --machine $(MACHINE) --rounds $(ROUNDS)

history: $(VENV)/.installed ## benchmark every commit on main that changed pipeline/ and has no result yet, then pair each [BENCH=regex ROUNDS=6] [PAIRS_ONLY=1: only pair measured commits not paired yet]
	$(PERFTOOLS) history --machine $(MACHINE) --rounds $(ROUNDS) $(if $(BENCH),--bench '$(BENCH)') $(if $(PAIRS_ONLY),--pairs-only)

publish: $(VENV)/.installed ## build the dashboard into html/ (works offline), with its page of steps by commit
	$(PERFTOOLS) publish --machine $(MACHINE)

preview: ## serve the dashboard on http://127.0.0.1:8080/
	$(PY) -m http.server --bind 127.0.0.1 --directory html 8080

compare: $(VENV)/.installed ## benchmark A and B side by side (scratch results): make compare A=rev B=rev [BENCH=regex]
	$(PERFTOOLS) compare --machine $(MACHINE) $(if $(BENCH),--bench '$(BENCH)') -- $(A) $(B)

regressions: $(VENV)/.installed ## steps by commit along main in results/, undone ones marked: make regressions [FORMAT=md|json] [ONLY=deterministic]
	@$(PERFTOOLS) regressions --machine $(MACHINE) --format $(FORMAT) $(if $(ONLY),--only $(ONLY))

# The command prints its own exit status (make reports any failure as 2).
perf-check: $(VENV)/.installed ## BASE (default: previous commit on main) vs the working tree; fails on a regression: make perf-check [BASE=rev] [ONLY=deterministic] [BENCH=regex]
	@$(PERFTOOLS) perf-check --machine $(MACHINE) --rounds $(ROUNDS) $(if $(BASE),--base '$(BASE)') $(if $(ONLY),--only $(ONLY)) $(if $(BENCH),--bench '$(BENCH)')

validate-stats: $(VENV)/.installed ## throwaway slowdowns and no-ops judged by the timing rule (slow): make validate-stats [TRIALS=5 NOOPS=10 ROUNDS=6]
	$(PERFTOOLS) validate-stats --trials $(TRIALS) --noops $(NOOPS) --rounds $(ROUNDS)

bisect: $(VENV)/.installed ## find the commit that made BENCH step, with asv find (scratch results): make bisect BENCH=name [GOOD=rev BAD=rev] [INVERT=1]
	$(PERFTOOLS) bisect --machine $(MACHINE) $(if $(GOOD),--good '$(GOOD)') --bad '$(BAD)' $(if $(INVERT),--invert) -- '$(BENCH)'

dashboard: $(VENV)/.installed ## publish the committed history, benchmark what is missing, publish again
	$(PERFTOOLS) dashboard --machine $(MACHINE)

clean: ## remove generated content, the site, the dashboard and the virtual environments
	rm -rf build site html .asv $(VENV)
