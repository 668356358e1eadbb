# Two entry points: `make demo` and `make test`. Both set up .venv on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test venv clean

$(BIN)/ansible-playbook: tests/requirements-test.txt requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r tests/requirements-test.txt -r requirements.txt
	touch $@

venv: $(BIN)/ansible-playbook

demo: venv
	PATH="$(CURDIR)/$(BIN):$$PATH" PYTHON=$(CURDIR)/$(BIN)/python $(BIN)/python tests/emulator/with_emulator.py -- bash playbooks/run-demo.sh

test: venv
	PATH="$(CURDIR)/$(BIN):$$PATH" PYTHON=$(CURDIR)/$(BIN)/python bash tests/run.sh

clean:
	rm -rf $(VENV) tests/output
