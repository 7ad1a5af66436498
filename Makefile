# redline: `make run` sets up and opens the seminar dashboard on the default scenario;
# `make run-cli` runs the default scenario on the command line; `make test` sets up and passes the tests.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run run-cli test bench validate clean-venv

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[sweep,dask,dashboard,test]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/redline dashboard

run-cli: install
	$(BIN)/redline run november-2024 --reps 1000 --seed 1 --out runs/november-2024

test: install
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python benchmarks/run_all.py

validate: install
	$(BIN)/redline validate
