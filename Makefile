# jaxnm-course: two commands on a fresh machine (Python 3.11+ and make):
#   make demo   build the main job (today: the end-to-end demo of the library)
#   make test   run the test suite (lint, then pytest)
# Each bootstraps its own virtual environment in .venv with pinned versions.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# BLAS threads fight each other on small busy machines (a 900x900 eigh: 7.6 s threaded,
# 0.08 s single-threaded on 2 cores), so tests and the demo run single-threaded.
export OPENBLAS_NUM_THREADS ?= 1
export OMP_NUM_THREADS ?= 1
export MKL_NUM_THREADS ?= 1
export XLA_FLAGS ?= --xla_cpu_multi_thread_eigen=false
export JAX_PLATFORMS ?= cpu

.PHONY: demo test lint env lock clean

$(BIN)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ needed, found " + sys.version'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test,oracle,plot]"
	touch $@

env: $(BIN)/.installed

demo: env
	$(BIN)/python examples/demo.py

lint: env
	$(BIN)/ruff check jaxnm_course tests examples exercises solutions hidden_tests benchmarks
	$(BIN)/ruff format --check jaxnm_course tests examples exercises solutions hidden_tests benchmarks

test: lint
	$(BIN)/python -m pytest

lock:
	rm -rf /tmp/jaxnm-lock && $(PYTHON) -m venv /tmp/jaxnm-lock
	/tmp/jaxnm-lock/bin/pip install --quiet -e ".[test,oracle,plot]"
	/tmp/jaxnm-lock/bin/pip freeze --exclude-editable | sort > constraints.txt.new
	@echo "review and move constraints.txt.new to constraints.txt"

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .ruff_cache
