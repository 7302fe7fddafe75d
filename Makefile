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

# System packages: libzbar0 (pyzbar loads it), softhsm2 (the PKCS#11 token the HSM tests use),
# chromium (the browser the checkpoint's e2e tests and benchmark drive through Playwright).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
sysdeps:
	@missing=""; \
	ldconfig -p | grep -q libzbar.so.0 || missing="$$missing libzbar0"; \
	[ -e /usr/lib/softhsm/libsofthsm2.so ] || missing="$$missing softhsm2"; \
	[ -e /usr/bin/chromium ] || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then \
	  echo "installing$$missing"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $$missing; \
	fi

# The issuer on SQLite with demo data: a development PKI (created once; it also signs, draws,
# reads back and verifies a demo certificate on the terminal), the database migrated, a demo
# province seeded once, its backlog signed, then the API on http://127.0.0.1:8000/api/v1.
export VAXPASS_DATA := $(DATA)
export VAXPASS_DATABASE_URL ?= sqlite:///$(DATA)/vaxpass.db
run: $(STAMP)
	$(BIN)/vaxpass demo
	$(BIN)/vaxpass db upgrade
	@[ -f $(DATA)/demo-credentials.txt ] || $(BIN)/vaxpass seed-demo
	$(BIN)/vaxpass sign-pending
	$(BIN)/vaxpass serve --host 127.0.0.1 --port 8000

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: $(STAMP) lint
	$(BIN)/pytest -n 2 -q

bench: $(STAMP)
	$(BIN)/python bench/bench_core.py
	$(BIN)/python bench/bench_issuer.py
	$(BIN)/python bench/bench_http.py
	$(BIN)/python bench/bench_checkpoint.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
