# Paper Atlas: the two commands a newcomer needs are `make serve` and `make test`.
# Everything else is a building block of those two, or a maintainer's tool.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
export NO_MKDOCS_2_WARNING := 1

.PHONY: serve build test lint typecheck unit browser-deps check-site bench clean

$(STAMP): requirements.txt requirements-dev.txt constraints.txt pyproject.toml
	@test -n "$(PYTHON)" || { echo "need Python 3.11 (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt -c constraints.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

serve: $(STAMP)  ## build the site and serve it on http://127.0.0.1:8000, regenerating on change
	$(BIN)/mkdocs serve

build: $(STAMP)  ## build the site into site/, failing on any MkDocs warning (corpus problems are only printed)
	$(BIN)/mkdocs build --strict

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

browser-deps:  ## Debian's chromium for the browser tests (apt-get; skipped when present)
	bash .ci/install-browser.sh

# pytest exits 5 when it collects no test: here that means the suite was not found (a broken
# path or marker), never that all is well, so it is reported and fails.
unit: $(STAMP) $(NODE_STAMP) browser-deps
	@$(BIN)/python -m pytest $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests (exit 5): the test suite was not found" >&2; fi; \
	exit $$status

test: lint typecheck unit  ## every check: lint, types, unit, golden, end-to-end and browser tests

check-site: $(STAMP) $(NODE_STAMP) browser-deps  ## third-party checkers over the built site
	bash .ci/check-site.sh

bench: $(STAMP)  ## benchmarks against a plain mkdocs build (slow; not part of the tests)
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf site .venv node_modules .pytest_cache .mypy_cache .ruff_cache
