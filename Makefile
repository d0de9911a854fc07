# dedup — the two commands in the README are `make demo` and `make check`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed-stamp

.PHONY: setup demo check lint test browser bench clean

# A virtual environment with dedup and its development tools. torch is pinned in pyproject.toml
# (an unpinned torch pulls a multi-GB CUDA build).
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

# The main job on the sample corpus: ingest, index, and report recurring recommendations.
demo: setup
	$(BIN)/dedup --store indexes/demo.db scan corpus/
	$(BIN)/dedup --store indexes/demo.db check examples/draft_strategy_2026.md --html indexes/demo-check.html
	$(BIN)/dedup --store indexes/demo.db report --html indexes/demo-report.html
	@if command -v chromium >/dev/null 2>&1; then \
	  $(BIN)/python scripts/screenshot_reports.py --html indexes/demo-report.html indexes/demo-check.html; \
	else echo "(install chromium to get screenshots of the reports)"; fi

# Debian's Chromium for the browser tests of the HTML reports (Playwright cannot download its own).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; \
	  else echo "chromium is not installed (apt-get install chromium): browser tests will be skipped"; fi; }

lint: setup
	$(BIN)/ruff check dedup tests benchmarks scripts
	$(BIN)/ruff format --check dedup tests benchmarks scripts
	$(BIN)/mypy

test: setup browser
	$(BIN)/pytest -q

# Everything CI runs: lint, types, tests.
check: lint test

bench: setup
	$(BIN)/python -m pip install -q -e '.[dev,bench]'
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
