# Two entry points (see README): `make demo` and `make test`. Both build .venv/ first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_DIR ?= build/demo

.PHONY: demo test lint typecheck unit web-deps bench-validate bench-align bench-package clean

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
	@# DejaVu Sans: the burn-in font (Cyrillic and Polish letters); fontconfig for fc-match (root only).
	@if fc-match -f '%{family}' 'DejaVu Sans' 2>/dev/null | grep -q 'DejaVu Sans'; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends fonts-dejavu-core fontconfig \
	    || echo "set-up: apt-get could not install fonts-dejavu-core: burn-in tests will skip"; \
	else echo "set-up: DejaVu Sans not installed (needs root and apt-get): burn-in tests will skip, or use --font FILE"; fi
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

unit: $(STAMP) web-deps
	$(BIN)/pytest -n 2 -q
	@# The media tests again with the other ffmpeg (PATH's 5.1 / the bundled 9.x) when versions differ.
	@other="$$($(BIN)/python -m media.ffmpeg --other)"; \
	if [ -n "$$other" ]; then \
	  echo "media tests again with $$other"; SUBPIPE_FFMPEG="$$other" $(BIN)/pytest -n 2 -q -m media; \
	else echo "one ffmpeg version on this machine: media tests ran once"; fi

# The HLS browser test (tests/web) plays the output in Debian's Chromium with hls.js from npm.
# Chromium comes from apt (as root; otherwise the test skips and says why); Playwright never
# downloads a browser here. hls.js is pinned in tests/web/package-lock.json.
WEB_STAMP := tests/web/node_modules/.installed

web-deps: $(WEB_STAMP)

$(WEB_STAMP): tests/web/package.json tests/web/package-lock.json
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "note: not root or no apt-get: Chromium not installed, the browser test will skip"; fi; \
	fi
	@if ! command -v npm >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; \
	fi
	@if command -v npm >/dev/null; then \
	  npm ci --prefix tests/web --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "note: no npm: hls.js not installed, the browser test will skip"; fi

bench-validate: $(STAMP)
	$(BIN)/python bench/validate.py

bench-align: $(STAMP)
	$(BIN)/python bench/align.py

bench-package: $(STAMP)
	$(BIN)/python bench/package.py

clean:
	rm -rf $(VENV) build .mypy_cache .pytest_cache .ruff_cache
