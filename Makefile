# redline: `make run` sets up and opens the seminar dashboard on the default scenario;
# `make test` sets up and passes every test (browser and kill -9 included);
# `make test-fast` is the quick loop (no browser, no slow subprocess tests); `make lint` runs ruff.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run run-cli test test-fast lint format bench validate wheel wheel-check clean-venv

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

test-fast: install
	$(BIN)/python -m pytest -m "not browser and not slow"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(BIN)/python benchmarks/run_all.py

validate: install
	$(BIN)/redline validate

wheel: install
	$(BIN)/python -m build --wheel --outdir dist .

# Build the wheel, install it with every extra into a fresh venv and use it from outside
# the checkout (run, sources, validate, a sweep, the dashboard): see .ci/wheel-check.
wheel-check: install
	PY=$(PY) .ci/wheel-check

clean-venv:
	rm -rf $(VENV)
