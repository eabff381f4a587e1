# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	rm -rf demo-school
	$(BIN)/letopis demo --store sqlite:///demo-school/letopis.db --keys demo-school/keys

test: $(STAMP)
	$(BIN)/pytest -n 2 -q

lint: $(STAMP)
	$(BIN)/ruff check ledger projections api verify tests bench
	$(BIN)/ruff format --check ledger projections api verify tests bench
	$(BIN)/mypy
	$(BIN)/mypy --strict bench

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) demo-school .pytest_cache .mypy_cache .ruff_cache
