# renkou: two commands do all the set-up on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev
DATA ?= data
# The suite runs in two processes, each taking whole test files (module fixtures are built
# once): the CI machine has two cores and much of the suite waits on browsers and servers.
TEST_WORKERS ?= 2
PYTEST := $(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadfile

.PHONY: system-deps demo test lint typecheck unit slow bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e .
	touch $@

$(DEVSTAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e '.[dev]'
	touch $@ $(STAMP)

demo: $(STAMP)
	$(BIN)/renkou demo --data-dir $(DATA)

lint: $(DEVSTAMP)
	$(BIN)/ruff check src tests benchmarks

typecheck: $(DEVSTAMP)
	$(BIN)/mypy

unit: $(DEVSTAMP)
	$(PYTEST) -m "not slow"

# Browser tests drive Debian's Chromium through Playwright (no browser download); the Word
# report is checked as PDF through LibreOffice. Installed only where apt is available as root.
system-deps:
	@{ command -v chromium && command -v soffice && command -v pdftotext; } >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
	  && (apt-get update -q && apt-get install -y -q chromium fonts-wqy-microhei libreoffice-writer-nogui libreoffice-calc-nogui poppler-utils) \
	  || echo "未能安装 chromium、LibreOffice 或 poppler：相关测试将失败"; }

test: $(DEVSTAMP) system-deps
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(PYTEST)

bench: $(STAMP)
	$(BIN)/python benchmarks/projection.py

clean:
	rm -rf $(VENV) $(DATA) .pytest_cache .mypy_cache .ruff_cache
