# Two commands: `make run` (the cabinet on its embedded default, demo data included) and `make test` (every test).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
DEMO_CLICKS ?= 200000
DEMO_DAYS ?= 60
# test workers: one more than the CPUs, as tests wait on servers, browsers and subprocesses (on 2 vCPUs: 3 workers
# 12 min 20 s, 2 workers 15 min 51 s, when the suite had 2,624 tests)
WORKERS ?= $(shell echo $$(( $$(nproc) + 1 )))

.PHONY: run test install install-test system-deps lint format clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/pip install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $@

# a store on PostgreSQL (CABINET_STORE_URL=postgresql+psycopg://...) needs its driver: the `postgresql` extra
PG_STORE := $(filter postgresql%,$(CABINET_STORE_URL))

$(VENV)/.installed-postgresql: $(VENV)/.installed
	$(BIN)/pip install --quiet -c constraints.txt -e '.[postgresql]'
	touch $@

install: $(VENV)/.installed $(if $(PG_STORE),$(VENV)/.installed-postgresql)

install-test: $(VENV)/.installed-test

run: install
	$(BIN)/cabinet init --demo-mode
	$(BIN)/cabinet demo --if-empty --clicks $(DEMO_CLICKS) --days $(DEMO_DAYS)
	$(BIN)/cabinet etl run
	$(BIN)/cabinet serve --port $(PORT)

system-deps:
	@bash scripts/system_deps.sh

# The tests' own modules compiled once, not in every worker and process they start (an environment setting
# PYTHONDONTWRITEBYTECODE made each of them compile the project and rewrite every test module's asserts again).
test: install-test system-deps
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -n $(WORKERS) --durations=15  # the slowest tests named

lint:
	$(BIN)/ruff format --check . && $(BIN)/ruff check .

format:
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
