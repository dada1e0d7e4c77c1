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

.PHONY: test test-random test-slow report bench mutants install clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet "$(TORCH)"
	$(BIN)/python -m pip install --quiet -e ".[numerics,dev,dask]" "$(TORCH)"
	touch $(STAMP)

install: $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

# the same suite with fresh random hypothesis examples (make test uses a fixed seed)
test-random: $(STAMP)
	HYPOTHESIS_PROFILE=random $(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

# apply each listed mutation to a copy of the tree and report which ones the fast tests miss
mutants: $(STAMP)
	$(BIN)/python tests/mutants.py

test-slow: $(STAMP)
	$(BIN)/python -m pytest -m "slow" $(PYTEST_ARGS)

report: $(STAMP)
	$(BIN)/rankbounds report --profile $(PROFILE)

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_eps_rank.py

clean:
	rm -rf $(VENV) results .pytest_cache .hypothesis
