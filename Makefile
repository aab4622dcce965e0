# Two entry points (see README): `make demo` and `make test`. Both build .venv/ first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_DIR ?= build/demo

.PHONY: demo test lint typecheck unit bench-validate bench-align clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	$(BIN)/python -m media.ffmpeg --check
	touch $@

demo: $(STAMP)
	$(BIN)/subpipe demo $(DEMO_DIR)

test: $(STAMP) lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -n 2 -q

bench-validate: $(STAMP)
	$(BIN)/python bench/validate.py

bench-align: $(STAMP)
	$(BIN)/python bench/align.py

clean:
	rm -rf $(VENV) build .mypy_cache .pytest_cache .ruff_cache
