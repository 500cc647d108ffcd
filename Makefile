# The two set-up commands: `make run` (sandbox) and `make test` (whole suite).
VENV := .venv
PYTHON := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: run test lint bench clean

$(INSTALLED): pyproject.toml
	test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

run: $(INSTALLED)
	$(VENV)/bin/shipbot sandbox

test: $(INSTALLED)
	bash scripts/test-deps.sh
	$(VENV)/bin/ruff check shipbot tests benchmarks
	$(PYTHON) -m pytest

bench: $(INSTALLED)
	$(PYTHON) -m benchmarks.webhook_load

clean:
	rm -rf $(VENV) data .pytest_cache
