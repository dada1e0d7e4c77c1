# make test    set up .venv (first time only) and run the test suite (slow paper-scale tests excluded)
# make report  set up .venv (first time only) and run every registered theorem: results/report.md + .html
# make check-latex  install pdflatex (apt-get) and compile one .tex table of each kind
# Both work on a fresh machine with only Python 3.11: they create .venv and install everything.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The version pin only: pip takes the build from its configured index (on Linux, the CUDA build).
# For the CPU-only build pass PyTorch's CPU wheel index: make test TORCH_PIP_ARGS="--index-url ...".
TORCH  := torch==2.13.0
TORCH_PIP_ARGS ?=
PROFILE ?= quick
PYTEST_ARGS ?=

.PHONY: test test-random test-slow report bench mutants check-latex install clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(TORCH_PIP_ARGS) "$(TORCH)"
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

# Install pdflatex (Debian/Ubuntu, needs root) and compile one LaTeX table of each kind.
check-latex: $(STAMP)
	command -v pdflatex >/dev/null || (apt-get update && apt-get install -y --no-install-recommends texlive-latex-base texlive-latex-recommended)
	$(BIN)/python -m pytest tests/numerics/test_io.py -k latex -p no:cacheprovider -rs $(PYTEST_ARGS)

# make bench  every benchmark (ratios from one run; not tests: nothing is asserted); prints the load beside each table
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_training.py
	$(BIN)/python benchmarks/bench_eps_rank.py
	$(BIN)/python benchmarks/bench_spikes.py

clean:
	rm -rf $(VENV) results .pytest_cache .hypothesis
