# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# the demo's own passphrase when LETOPIS_KEY_PASSPHRASE is unset (ledger/keys/directory.py)
DEMO_PASSPHRASE := letopis-demo-passphrase-not-for-real-schools

# PDF reports (WeasyPrint): Pango, HarfBuzz's subsetter and the embedded font
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core

.PHONY: demo test lint bench clean system-packages

# Installs what is missing with apt-get when run as root on Debian; else says what to install.
system-packages:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else \
	    echo "PDF reports need the system packages:" $$missing "(apt-get install them)" >&2; \
	  fi; \
	fi

$(STAMP): pyproject.toml | system-packages
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
