# On a fresh machine with Python 3.11:  make test,  make book  and  make lab
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NB_DIR := build/nb
export SEAMLIB_PROFILE ?= laptop

.PHONY: help venv dlib-venv chromium test unit lint-chapters chapters chapters-variant chapter book check-site bench lint clean lab test-interactive chapter-times

help:
	@echo "make test        set up .venv, lint + types, unit tests, every chapter under SEAMLIB_PROFILE=smoke,"
	@echo "                 then the chapters as notebooks in JupyterLab (server + Chromium); the"
	@echo "                 chapters' smoke ledger must match results/ledger/smoke.json (seamlib.book.ledger),"
	@echo "                 also when the trained chapters run on one thread with other kernels"
	@echo "make book        set up .venv and build the HTML book (_build/html) under \$$SEAMLIB_PROFILE"
	@echo "make chapter CH=linear_models   execute one chapter with nbmake (smoke)"
	@echo "make check-site  open every built page in headless Chromium and fail on broken output"
	@echo "make lab         start JupyterLab at the project root; book/*.md open as notebooks"
	@echo "make test-interactive   JupyterLab server + Chromium tests of the chapters as notebooks"
	@echo "make chapter-times      time every chapter in a kernel (laptop); results/chapter_times.json"
	@echo "make bench       run the benchmarks (seamlib next to disentanglement_lib's code among"
	@echo "                 them); writes benchmarks/results.json"
	@echo "make dlib-venv   build/dlib-venv: disentanglement_lib 1.5 for tests/test_metrics_dlib.py"

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

# disentanglement_lib 1.5, the reference the metrics are tested against
# (tests/test_metrics_dlib.py, benchmarks/bench_dlib.py), in its own environment: its metric
# code needs only numpy, scipy, scikit-learn, absl-py, six and gin-config (no TensorFlow), at
# the versions of the project's environment. A failed build says so in one line and does not
# stop `make test`; the comparison then skips, saying why.
DLIB_VENV := build/dlib-venv
DLIB_STAMP := $(DLIB_VENV)/.installed
$(DLIB_STAMP): $(STAMP)
	@rm -rf $(DLIB_VENV); mkdir -p build
	@pins=$$($(PY) -c "import importlib.metadata as m; print(' '.join(p + '==' + m.version(p) for p in ('numpy', 'scipy', 'scikit-learn')))"); \
	{ $(PYTHON) -m venv $(DLIB_VENV) \
	  && $(DLIB_VENV)/bin/pip install -q $$pins absl-py six gin-config==0.5.0 \
	  && $(DLIB_VENV)/bin/pip install -q --no-deps disentanglement-lib==1.5 \
	  && touch $(DLIB_STAMP) && echo "built $(DLIB_VENV) (disentanglement_lib 1.5)"; } >$(DLIB_VENV).log 2>&1 \
	  || echo "warning: could not build $(DLIB_VENV) (see $(DLIB_VENV).log); the disentanglement_lib comparison will skip"
	@cat $(DLIB_VENV).log 2>/dev/null | grep '^built' || true

dlib-venv: $(STAMP)
	@test -f $(DLIB_STAMP) || $(MAKE) --no-print-directory $(DLIB_STAMP)

# --- tests -------------------------------------------------------------------------------
lint: $(STAMP)
	$(VENV)/bin/ruff check seamlib tests benchmarks book/_ext .jupyter
	$(VENV)/bin/ruff format --check seamlib tests benchmarks book/_ext .jupyter
	$(VENV)/bin/mypy seamlib
	$(MAKE) --no-print-directory lint-chapters

# Chapters are linted as the Python they run: jupytext converts each to a percent script.
# B018 (a bare expression) is how a notebook cell displays its value, so it is allowed.
LINT_DIR := build/lint
lint-chapters: $(STAMP)
	rm -rf $(LINT_DIR) && mkdir -p $(LINT_DIR)
	for f in book/*.md; do $(VENV)/bin/jupytext --quiet --to py:percent -o $(LINT_DIR)/$$(basename $$f .md).py $$f || exit 1; done
	$(VENV)/bin/ruff check --no-cache --select E,F,W,B,I --ignore E501,E402,E741,B905,B018 $(LINT_DIR)

unit: $(STAMP) dlib-venv
	SEAMLIB_PROFILE=smoke $(VENV)/bin/pytest tests -q -rs --ignore=tests/interactive
	SEAMLIB_PROFILE=smoke $(VENV)/bin/pytest -q -p no:cacheprovider --doctest-modules seamlib

chapters: $(STAMP)
	rm -rf $(NB_DIR) _build/ledger-test/smoke && mkdir -p $(NB_DIR)
	for f in book/*.md; do $(VENV)/bin/jupytext --quiet --to ipynb -o $(NB_DIR)/$$(basename $$f .md).ipynb $$f || exit 1; done
	SEAMLIB_PROFILE=smoke SEAMLIB_LEDGER_DIR=$(CURDIR)/_build/ledger-test \
	  $(VENV)/bin/pytest --nbmake --nbmake-timeout=600 -q $(NB_DIR)
	$(VENV)/bin/python -m seamlib.book.ledger compare results/ledger/smoke.json _build/ledger-test/smoke

# The chapters with trained checks again, on one thread and with other kernels (ATen without
# its AVX2 code, MKL's SSE4.2 path, OpenBLAS's Sandybridge kernels): what another machine
# does to the last digits. Their ledger must match the same snapshot: statuses exactly,
# values within the drift their kind allows (seamlib.book.ledger).
VARIANT_ENV := OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \
  ATEN_CPU_CAPABILITY=default MKL_ENABLE_INSTRUCTIONS=SSE4_2 MKL_CBWR=COMPATIBLE \
  OPENBLAS_CORETYPE=Sandybridge
VARIANT_CHAPTERS := linear_models optimal_posteriors collapse disentanglement \
  identifiability identifiability_vaes
comma := ,
empty :=
space := $(empty) $(empty)
chapters-variant: $(STAMP)
	rm -rf _build/ledger-variant/smoke && mkdir -p $(NB_DIR)
	for c in $(VARIANT_CHAPTERS); do $(VENV)/bin/jupytext --quiet --to ipynb -o $(NB_DIR)/$$c.ipynb book/$$c.md || exit 1; done
	$(VARIANT_ENV) SEAMLIB_PROFILE=smoke SEAMLIB_LEDGER_DIR=$(CURDIR)/_build/ledger-variant \
	  $(VENV)/bin/pytest --nbmake --nbmake-timeout=600 -q $(VARIANT_CHAPTERS:%=$(NB_DIR)/%.ipynb)
	$(VENV)/bin/python -m seamlib.book.ledger compare results/ledger/smoke.json _build/ledger-variant/smoke \
	  --chapters $(subst $(space),$(comma),$(VARIANT_CHAPTERS))

chapter: $(STAMP)
	mkdir -p $(NB_DIR)
	$(VENV)/bin/jupytext --quiet --to ipynb -o $(NB_DIR)/$(CH).ipynb book/$(CH).md
	SEAMLIB_PROFILE=$${CH_PROFILE:-smoke} SEAMLIB_LEDGER_DIR=$(CURDIR)/_build/ledger-test \
	  $(VENV)/bin/pytest --nbmake --nbmake-timeout=900 -q --durations=0 $(NB_DIR)/$(CH).ipynb

test: chromium lint unit chapters chapters-variant test-interactive

# Debian's chromium drives the JupyterLab tests and check-site (Playwright, no browser
# download). Missing: installed with apt-get when run as root (as .ci/run does), otherwise
# one line names the package, before any test runs.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "chromium is missing: installing Debian's chromium package (apt-get install chromium)"; \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
	      || { echo "error: apt-get could not install chromium; install Debian's chromium package and rerun"; exit 1; }; \
	  else \
	    echo "error: the browser tests need Debian's chromium package; install it with: sudo apt-get install chromium"; \
	    exit 1; \
	  fi; }

# The chapters as notebooks in JupyterLab (tests/interactive, part of `make test`): a server on
# a free loopback port over a copy of the repo, and Playwright driving Debian's chromium.
test-interactive: $(STAMP) chromium
	SEAMLIB_PROFILE=smoke $(VENV)/bin/pytest tests/interactive -q -p no:cacheprovider --timeout=600

# --- running the chapters interactively ----------------------------------------------------
# .jupyter/ (in the repo) is added to Jupyter's config path: it makes "Jupytext Notebook" the
# default viewer of book/*.md, and jupytext's contents manager saves edits back to the .md.
# The kernel inherits SEAMLIB_PROFILE (laptop unless set). LAB_ARGS passes more options,
# e.g.  make lab LAB_ARGS="--port 8899 --no-browser".
LAB_ARGS ?=
lab: $(STAMP)
	JUPYTER_CONFIG_PATH="$(CURDIR)/.jupyter$${JUPYTER_CONFIG_PATH:+:$$JUPYTER_CONFIG_PATH}" \
	  $(VENV)/bin/jupyter lab --ServerApp.root_dir="$(CURDIR)" \
	  $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

# Expected laptop run time of each chapter, measured in a kernel (minutes each; not in CI).
chapter-times: $(STAMP)
	SEAMLIB_PROFILE=laptop $(PY) -m seamlib.book.chapter_times $(CHAPTERS)

# --- book --------------------------------------------------------------------------------
book: $(STAMP)
	$(VENV)/bin/jupyter-book build . -W -n --keep-going

check-site: $(STAMP) chromium
	$(PY) -m playwright --version >/dev/null
	$(PY) tests/site/check_site.py _build/html

bench: $(STAMP) dlib-venv
	$(PY) benchmarks/run.py

clean:
	rm -rf _build
