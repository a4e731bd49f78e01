# finrpa: the two commands are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3.13 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
BENCH_STAMP := $(VENV)/.installed-bench
CONSTRAINTS := constraints.txt

.PHONY: demo test lint venv bench bench-queue bench-parse bench-matching bench-web bench-scheduler lock clean

$(STAMP): pyproject.toml $(CONSTRAINTS)
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "finrpa needs Python 3.11 or newer, found " + sys.version' 
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade 'pip>=24'
	$(BIN)/pip install -q -c $(CONSTRAINTS) -e '.[dev]'
	@touch $@

$(BENCH_STAMP): $(STAMP)
	$(BIN)/pip install -q -c $(CONSTRAINTS) -e '.[dev,bench]'
	@touch $@

venv: $(STAMP)

demo: $(STAMP)
	@$(BIN)/python -m finrpa.demo

test: $(STAMP)
	$(BIN)/ruff check shared robots tests bench
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check shared robots tests bench
	$(BIN)/ruff format --check shared robots tests bench || true

bench-queue: $(BENCH_STAMP)
	$(BIN)/python bench/queue_bench.py

bench-parse: $(BENCH_STAMP)
	$(BIN)/python bench/parse_bench.py

# Both halves run even when the first misses its target; the exit status says if either did.
bench-matching: $(BENCH_STAMP)
	$(BIN)/python bench/matching_bench.py; engine=$$?; \
	$(BIN)/python bench/robot_bench.py; robot=$$?; \
	exit $$(( engine || robot ))

bench-web: $(BENCH_STAMP)
	$(BIN)/python bench/web_bench.py

bench-scheduler: $(BENCH_STAMP)
	$(BIN)/python bench/scheduler_bench.py

bench: bench-queue bench-parse bench-matching bench-web bench-scheduler

# Refresh the pinned versions after changing dependency ranges in pyproject.toml.
lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install -q --upgrade 'pip>=24'
	.venv-lock/bin/pip install -q -e '.[dev,bench]'
	.venv-lock/bin/pip freeze --exclude-editable | grep -v '^-e' > $(CONSTRAINTS)
	rm -rf .venv-lock

clean:
	rm -rf $(VENV) var output
