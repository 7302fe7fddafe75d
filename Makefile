# vaxpass: the two set-up commands are `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DATA   ?= data

.PHONY: run test lint bench sysdeps clean

$(STAMP): pyproject.toml
	@$(MAKE) --no-print-directory sysdeps
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# System libraries the Python packages load at run time (pyzbar needs libzbar).
sysdeps:
	@if ! ldconfig -p | grep -q libzbar.so.0; then \
	  echo "installing libzbar0"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq libzbar0; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq libzbar0; fi; \
	fi

# Until the issuer service exists: create development keys (once), sign a demo certificate,
# draw its QR code, read it back from the pixels and verify it, all on the terminal.
run: $(STAMP)
	VAXPASS_DATA=$(DATA) $(BIN)/vaxpass demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: $(STAMP) lint
	$(BIN)/pytest -n 2 -q

bench: $(STAMP)
	$(BIN)/python bench/bench_core.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
