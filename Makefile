# Two commands on a fresh machine with Python 3.11:  make test   and   make book
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NB_DIR := build/nb
export SEAMLIB_PROFILE ?= laptop

.PHONY: help venv test unit chapters chapter book check-site bench lint clean

help:
	@echo "make test        set up .venv, lint + types, unit tests, every chapter under SEAMLIB_PROFILE=smoke"
	@echo "make book        set up .venv and build the HTML book (_build/html) under \$$SEAMLIB_PROFILE"
	@echo "make chapter CH=linear_models   execute one chapter with nbmake (smoke)"
	@echo "make check-site  open every built page in headless Chromium and fail on broken output"
	@echo "make bench       run the benchmarks; writes benchmarks/results.json"

# --- environment -------------------------------------------------------------------------
# torch==2.13.0 is installed first: it is the CPU wheel on this machine's disk; any other
# torch spec would download GBs of CUDA packages.
$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python 3.11 or run 'make PYTHON=python3 ...'"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

# --- tests -------------------------------------------------------------------------------
lint: $(STAMP)
	$(VENV)/bin/ruff check seamlib tests benchmarks book/_ext
	$(VENV)/bin/ruff format --check seamlib tests benchmarks book/_ext
	$(VENV)/bin/mypy seamlib

unit: $(STAMP)
	SEAMLIB_PROFILE=smoke $(VENV)/bin/pytest tests -q
	SEAMLIB_PROFILE=smoke $(VENV)/bin/pytest -q -p no:cacheprovider --doctest-modules seamlib

chapters: $(STAMP)
	rm -rf $(NB_DIR) && mkdir -p $(NB_DIR)
	for f in book/*.md; do $(VENV)/bin/jupytext --quiet --to ipynb -o $(NB_DIR)/$$(basename $$f .md).ipynb $$f || exit 1; done
	SEAMLIB_PROFILE=smoke SEAMLIB_LEDGER_DIR=$(CURDIR)/_build/ledger-test \
	  $(VENV)/bin/pytest --nbmake --nbmake-timeout=600 -q $(NB_DIR)

chapter: $(STAMP)
	mkdir -p $(NB_DIR)
	$(VENV)/bin/jupytext --quiet --to ipynb -o $(NB_DIR)/$(CH).ipynb book/$(CH).md
	SEAMLIB_PROFILE=$${CH_PROFILE:-smoke} SEAMLIB_LEDGER_DIR=$(CURDIR)/_build/ledger-test \
	  $(VENV)/bin/pytest --nbmake --nbmake-timeout=900 -q --durations=0 $(NB_DIR)/$(CH).ipynb

test: lint unit chapters

# --- book --------------------------------------------------------------------------------
book: $(STAMP)
	$(VENV)/bin/jupyter-book build . -W -n --keep-going

check-site: $(STAMP)
	$(PY) -m playwright --version >/dev/null
	$(PY) tests/site/check_site.py _build/html

bench: $(STAMP)
	$(PY) benchmarks/run.py

clean:
	rm -rf _build
