# jaxnm-course: two commands on a fresh machine (Python 3.11+ and make):
#   make demo   build the main job: the course site (chapters executed) in docs/_build/html
#   make test   run the test suite (lint, then pytest)
# Each bootstraps its own virtual environment in .venv with pinned versions.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# BLAS threads fight each other on small busy machines (a 900x900 eigh: 7.6 s threaded,
# 0.08 s single-threaded on 2 cores), so tests and the demo run single-threaded. These are
# set, not defaulted: the site and the tests must come out the same whatever the reader's
# shell exports (JAX_ENABLE_X64=1 is common among scientists; the chapters switch x64 on
# themselves, and chapter 1 shows JAX's float32 default). `make VAR=value` still overrides.
export OPENBLAS_NUM_THREADS := 1
export OMP_NUM_THREADS := 1
export MKL_NUM_THREADS := 1
export XLA_FLAGS := --xla_cpu_multi_thread_eigen=false
export JAX_PLATFORMS := cpu
unexport JAX_ENABLE_X64

.PHONY: demo site site-instructor test lint env lock clean

# The student release has no solutions/: it installs what students need (no oracle codes,
# which need a C compiler) and builds only the student site.
ifeq ($(wildcard solutions),)
EXTRAS ?= student,docs
DEMO_SITES := site
else
EXTRAS ?= test,oracle,plot,docs
DEMO_SITES := site site-instructor
endif

$(BIN)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ needed, found " + sys.version'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[$(EXTRAS)]"
	touch $@

env: $(BIN)/.installed

# The course site: chapters run at build time through MyST-NB's cache (a rebuild with nothing
# changed takes seconds); -W --keep-going: any warning or failing cell fails the build.
SPHINXOPTS ?= -W --keep-going
demo: $(DEMO_SITES)
	@echo "course site: docs/_build/html/index.html"
	@if [ -d solutions ]; then echo "instructor site: docs/_build/html-instructor"; fi

site: env
	$(BIN)/sphinx-build $(SPHINXOPTS) -b html -d docs/_build/doctrees docs docs/_build/html

site-instructor: env
	$(BIN)/sphinx-build $(SPHINXOPTS) -t instructor -b html -d docs/_build/doctrees-instructor \
		docs docs/_build/html-instructor

# Only the paths that exist: the student release has no solutions/ or hidden_tests/.
LINT_PATHS := $(wildcard jaxnm_course tests examples exercises solutions hidden_tests \
	benchmarks scripts docs/conf.py docs/_ext docs/_intersphinx)

lint: env
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)

# --durations=30: the slowest tests in every log, CI's included (here, not in pyproject's
# addopts, which also reach the students' `pytest exercises` and the grader's sessions).
# Two pytest-xdist workers: most library tests run on one core (BLAS and XLA single-threaded,
# above). --dist loadfile keeps each module on one worker (tests/conftest.py also keeps the
# two modules that share the grading batch together); --no-loadscope-reorder hands out the
# costly course and grading modules (collected first) first. PYTEST_XDIST= runs in one process.
PYTEST_XDIST ?= -n 2 --dist loadfile --no-loadscope-reorder
test: lint
	$(BIN)/python -m pytest --durations=30 $(PYTEST_XDIST)

lock:
	rm -rf /tmp/jaxnm-lock && $(PYTHON) -m venv /tmp/jaxnm-lock
	/tmp/jaxnm-lock/bin/pip install --quiet -e ".[test,oracle,plot,docs]"
	/tmp/jaxnm-lock/bin/pip freeze --exclude-editable | sort > constraints.txt.new
	@echo "review and move constraints.txt.new to constraints.txt"

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .ruff_cache
