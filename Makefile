# Every target installs what it needs into a local virtual environment first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PAGES ?= 200
SEED ?= 1
CONTENT := build/content-$(PAGES)-$(SEED)

.DEFAULT_GOAL := help
.PHONY: help site test lint clean

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

$(CONTENT): | $(VENV)/.installed
	rm -rf $@.tmp
	$(PY) -m pipeline corpus $@.tmp --pages $(PAGES) --seed $(SEED)
	mv $@.tmp $@

site: $(VENV)/.installed $(CONTENT) ## build the default content (PAGES=200 generated pages) into site/
	$(PY) -m pipeline build $(CONTENT) --out site --title "Pipeline demo"
	@echo "open site/index.html, or serve it: $(PY) -m http.server -d site 8000"

test: $(VENV)/.installed ## lint and run the tests
	$(PY) -m ruff check pipeline tests
	$(PY) -m ruff format --check pipeline tests
	$(PY) -m pytest -q

clean: ## remove generated content, the site and the virtual environment
	rm -rf build site $(VENV)
