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
	@# Debian 12's ffmpeg 5.1 as well as the bundled one, so the tests cover both (root only).
	@if dpkg -s ffmpeg >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ffmpeg \
	    || echo "set-up: apt-get could not install ffmpeg: media tests will run on the bundled ffmpeg only"; \
	else echo "set-up: not installing Debian's ffmpeg (needs root and apt-get): media tests will run on the bundled ffmpeg only"; fi
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
	@# The media tests again with the other ffmpeg (PATH's 5.1 / the bundled 9.x) when versions differ.
	@other="$$($(BIN)/python -m media.ffmpeg --other)"; \
	if [ -n "$$other" ]; then \
	  echo "media tests again with $$other"; SUBPIPE_FFMPEG="$$other" $(BIN)/pytest -n 2 -q -m media; \
	else echo "one ffmpeg version on this machine: media tests ran once"; fi

bench-validate: $(STAMP)
	$(BIN)/python bench/validate.py

bench-align: $(STAMP)
	$(BIN)/python bench/align.py

clean:
	rm -rf $(VENV) build .mypy_cache .pytest_cache .ruff_cache
