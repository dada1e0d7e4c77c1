# make test    set up .venv (first time only) and run the test suite (slow paper-scale tests excluded)
# make report  set up .venv (first time only) and run every registered theorem: results/report.md + .html
# Both work on a fresh machine with only Python 3.11: they create .venv and install everything.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# CPU wheel; an unpinned torch pulls a multi-GB CUDA build.
TORCH  := torch==2.13.0
PROFILE ?= quick
PYTEST_ARGS ?=

.PHONY: test test-slow report bench install clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet "$(TORCH)"
	$(BIN)/python -m pip install --quiet -e ".[numerics,dev,dask]" "$(TORCH)"
	touch $(STAMP)

install: $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

test-slow: $(STAMP)
	$(BIN)/python -m pytest -m "slow" $(PYTEST_ARGS)

report: $(STAMP)
	$(BIN)/rankbounds report --profile $(PROFILE)

# make bench  every benchmark (ratios from one run; not tests: nothing is asserted); prints the load beside each table
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_training.py
	$(BIN)/python benchmarks/bench_eps_rank.py
	$(BIN)/python benchmarks/bench_spikes.py

clean:
	rm -rf $(VENV) results .pytest_cache .hypothesis
