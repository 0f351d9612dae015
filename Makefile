# Two commands do everything on a fresh Debian machine with Python 3.11+ and make:
#   make demo   set up, serve the bundled demo site on 127.0.0.1, crawl it, print a summary
#   make test   set up, lint, and run every test (the real WordPress tests install Debian packages)
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)
# The compiled cleaner, rebuilt when the cleaner's sources or its build change.
SPEEDUPS := $(VENV)/.speedups-$(shell cat crawler/cleaning/*.py crawler/speedups.py speedups/build.py | cksum | cut -d' ' -f1)

.PHONY: setup demo test lint format schema wordpress wordpress-stop bench clean

setup: $(STAMP) $(SPEEDUPS)

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

# The cleaner compiled with mypyc (speedups/build.py), faster than in Python. It needs
# a C compiler and Python's headers, installed here as root on Debian; without them the crawler
# cleans in Python and says so.
$(SPEEDUPS): $(STAMP)
	@if ! command -v cc >/dev/null || ! $(PY) -c "import os, sys, sysconfig; sys.exit(not os.path.exists(sysconfig.get_paths()['include'] + '/Python.h'))"; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing gcc and python3-dev (Debian) to compile the cleaner"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc python3-dev >/dev/null; \
	  fi; \
	fi
	@if $(PY) speedups/build.py; then rm -f $(VENV)/.speedups-*; touch $@; \
	else echo "make: the compiled cleaner is not built; the crawler cleans in Python (slower)"; fi

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
