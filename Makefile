# One command each: `make demo` (the local main job) and `make test` (everything CI runs).
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: setup setup-python demo test lint typecheck pytest bench clean

setup:
	bash scripts/setup.sh

setup-python:
	bash scripts/setup.sh python

demo: setup-python
	$(VENV)/bin/gapfill deploy --local --rehearse

test: setup
	bash scripts/test.sh

lint:
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

typecheck:
	$(VENV)/bin/mypy

pytest:
	$(PY) -m pytest

bench: setup-python
	$(PY) benchmarks/run.py

clean:
	rm -rf build dist .pytest_cache .mypy_cache .ruff_cache test-output
