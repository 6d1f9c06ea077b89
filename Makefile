# Two commands set everything up on a fresh machine (Python 3.11+):
#   make run   — demo on SQLite with demo data, at http://127.0.0.1:$(PORT)
#   make test  — the whole test suite (SQLite, or PostgreSQL when DATABASE_URL says so)
VENV ?= .venv
PYTHON ?= python3
PORT ?= 5000
BIN := $(VENV)/bin
FLASK := ERBM_DEMO=1 $(BIN)/flask --app wsgi

.PHONY: run test install install-dev migrate seed clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	$(FLASK) db upgrade
	$(FLASK) erbm seed-if-empty
	$(FLASK) erbm demo-logins
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

test: install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

migrate: install
	$(FLASK) db upgrade

seed: install
	$(FLASK) erbm seed-demo

# Benchmarks (not tests): figures go to BENCHMARKS.md. Needs Debian's wrk for the ratio.
# SQLite by default; DATABASE_URL=postgresql+psycopg://... measures PostgreSQL (its schema is reset).
bench: install-dev
	$(BIN)/python bench/pages.py $(BENCH_ARGS)
	BIN=$(BIN) bench/wrk_ratio.sh
	$(BIN)/python bench/export_bench.py --repeat 3 --skip-naive

clean:
	rm -rf $(VENV) instance/erbm.sqlite3*
