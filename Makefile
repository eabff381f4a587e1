# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# the demo's own passphrase when LETOPIS_KEY_PASSPHRASE is unset (ledger/keys/directory.py)
DEMO_PASSPHRASE := letopis-demo-passphrase-not-for-real-schools

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	rm -rf demo-school
	$(BIN)/letopis demo --store sqlite:///demo-school/letopis.db --keys demo-school/keys
	LETOPIS_KEY_PASSPHRASE="$${LETOPIS_KEY_PASSPHRASE:-$(DEMO_PASSPHRASE)}" \
	  $(BIN)/letopis report all --store sqlite:///demo-school/letopis.db \
	  --keys demo-school/keys --out demo-school/reports

test: $(STAMP)
	$(BIN)/pytest -n 2 -q

lint: $(STAMP)
	$(BIN)/ruff check ledger projections api verify simulation tests bench
	$(BIN)/ruff format --check ledger projections api verify simulation tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/mypy --strict bench
	$(BIN)/mypy --strict tests

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) demo-school .pytest_cache .mypy_cache .ruff_cache .import_linter_cache .grimp_cache
