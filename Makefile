# Two commands do everything on a fresh Debian machine with Python 3.11+ and make:
#   make demo   set up, serve the bundled demo site on 127.0.0.1, crawl it, print a summary
#   make test   set up, lint, and run every test (the real WordPress tests install Debian packages)
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)

.PHONY: setup demo test lint format schema wordpress wordpress-stop bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing python3-venv (Debian)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv python3-pip >/dev/null \
	      && $(PYTHON) -m venv $(VENV); \
	  else echo "error: '$(PYTHON) -m venv' failed; install Python's venv module (Debian: sudo apt-get install python3-venv)"; exit 1; fi; }
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check -e '.[test]'
	rm -f $(VENV)/.installed-*; touch $@

demo: setup
	$(PY) -m demo

test: setup lint
	$(PY) -m pytest --cov --cov-report=term $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

schema: setup
	$(PY) -m crawler.schema

# A real WordPress on 127.0.0.1 for trying the crawler by hand (installs Debian packages as root).
wordpress: setup
	$(PY) -m wpsite start

wordpress-stop: setup
	$(PY) -m wpsite stop

bench: setup
	$(PY) bench/bench_crawl.py

clean:
	rm -rf $(VENV) output .pytest_cache .ruff_cache .mypy_cache .hypothesis .coverage
