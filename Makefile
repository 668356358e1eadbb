# Two entry points: `make demo` and `make test`. Both set up $(VENV) on first use.
# CORE tests another ansible-core release than the one pinned in tests/requirements-test.txt, in its own
# venv; SUITES names the suites to run (default: all), e.g.
#   make test VENV=.venv-2.20 CORE=2.20.10 PYTHON=python3.12 SUITES="sanity units"
PYTHON ?= python3
VENV ?= .venv
CORE ?=
SUITES ?=
BIN := $(VENV)/bin

.PHONY: demo test venv clean

$(BIN)/ansible-playbook: tests/requirements-test.txt requirements.txt
	$(PYTHON) -m venv $(VENV)
	sed '$(if $(CORE),s/^ansible-core==.*/ansible-core==$(CORE)/)' tests/requirements-test.txt > $(VENV)/requirements-test.txt
	$(BIN)/pip install --quiet --disable-pip-version-check -r $(VENV)/requirements-test.txt -r requirements.txt
	touch $@

venv: $(BIN)/ansible-playbook

demo: venv
	PATH="$(CURDIR)/$(BIN):$$PATH" PYTHON=$(CURDIR)/$(BIN)/python $(BIN)/python tests/emulator/with_emulator.py -- bash playbooks/run-demo.sh

test: venv
	PATH="$(CURDIR)/$(BIN):$$PATH" PYTHON=$(CURDIR)/$(BIN)/python bash tests/run.sh $(SUITES)

clean:
	rm -rf .venv .venv-* $(VENV) tests/output
