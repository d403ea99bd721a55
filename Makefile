# The two commands a newcomer needs: `make refresh` and `make test`. Everything else is below them.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)

.PHONY: refresh test test-fast ui serve soak bench install sample lint expectations docs clean-data chromium screenshots

## Set everything up on a fresh machine, generate the sample sources, run the nightly refresh.
refresh: $(STAMP)
	$(BIN)/sozialmonitor sample
	$(BIN)/sozialmonitor refresh

## Run the whole test suite (CI runs exactly this).
test: $(STAMP) chromium
	$(BIN)/ruff check .
	$(BIN)/pytest

## The tests that do not run a whole refresh (marked `slow`), for the loop while you work.
test-fast: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/pytest -m "not slow"

## Dagster UI on 127.0.0.1:3000 and its daemon (schedules, sensors, run queue, run monitoring), over the
## same data directory; stops on Ctrl-C or SIGTERM.
ui: $(STAMP)
	$(BIN)/sozialmonitor ui

## The deployment: webserver (127.0.0.1:3000), daemon, read-only webserver for planners (127.0.0.1:3001),
## on the instance of DAGSTER_HOME (default: the data directory's; production: deploy/README.md).
serve: $(STAMP)
	$(BIN)/sozialmonitor serve

## Kill the refresh at random moments (KILLS times, SIGKILL) and check every publication stays whole.
KILLS ?= 50
soak: $(STAMP)
	$(BIN)/python bench/soak.py --kills $(KILLS)

## Wall time and peak memory per phase, bundled sample and N times larger (make bench SCALE="10 100").
SCALE ?= 10
bench: $(STAMP)
	$(BIN)/python bench/refresh_phases.py --scale $(SCALE)

## Regenerate the GX suites in expectations/suites/ from the indicator catalog.
expectations: $(STAMP)
	$(BIN)/sozialmonitor expectations

## dbt docs of the last build (models, columns, indicator definitions) under the data directory.
docs: $(STAMP)
	$(BIN)/sozialmonitor docs

## Screenshots of the current atlas (index, one indicator, one municipality) into docs/atlas-*.png.
screenshots: $(STAMP) chromium
	$(BIN)/python -m sozialmonitor.atlas.screenshots docs

## Headless Chromium for the atlas tests (Debian's package; installed once, as root or with sudo).
CHROMIUM ?= /usr/bin/chromium
chromium:
	@test -x $(CHROMIUM) || { \
	  echo "installing Debian's chromium (headless browser for the atlas tests)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null; \
	}
	@test -x $(CHROMIUM) || { echo "no $(CHROMIUM): install Debian's chromium package"; exit 1; }

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "needs $(PYTHON) on PATH (or: make PYTHON=/path/to/python3.11)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]' 2>&1 \
	  | { grep -v '^WARNING: Location .* is ignored' || true; }
	rm -f $(VENV)/.installed-*
	touch $@
