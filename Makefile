# Paper Atlas: the two commands a newcomer needs are `make serve` and `make test`.
# Everything else is a building block of those two, or a maintainer's tool.

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export NO_MKDOCS_2_WARNING := 1

.PHONY: serve build test lint typecheck unit check-site bench clean

$(STAMP): requirements.txt requirements-dev.txt constraints.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt -c constraints.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

serve: $(STAMP)  ## build the site and serve it on http://127.0.0.1:8000, regenerating on change
	$(BIN)/mkdocs serve

build: $(STAMP)  ## build the site into site/, failing on any warning
	$(BIN)/mkdocs build --strict

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest

test: lint typecheck unit  ## every check: lint, types, unit, golden, end-to-end and browser tests

bench: $(STAMP)  ## benchmarks against a plain mkdocs build (slow; not part of the tests)
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf site .venv .pytest_cache .mypy_cache .ruff_cache
