# Two commands do everything on a fresh machine with python3: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint format clean

$(BIN)/agenda: pyproject.toml setup.py agenda/_scan.c
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

demo: $(BIN)/agenda
	$(BIN)/agenda demo

test: $(BIN)/agenda
	$(BIN)/ruff check .
	$(BIN)/pytest -q

lint: $(BIN)/agenda
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(BIN)/agenda
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) agenda-demo build *.egg-info
