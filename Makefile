# The two set-up commands: `make run` (sandbox) and `make test` (whole suite).
VENV := .venv
PYTHON := $(VENV)/bin/python
PIP := $(PYTHON) -m pip --quiet --disable-pip-version-check
INSTALLED := $(VENV)/.installed
# Exact versions with hashes: runtime (the image) and runtime + the test extra (.venv).
LOCK := requirements.lock
TEST_LOCK := requirements-test.lock
UV_VERSION := 0.13.8
# The machine kind the locks are for, wherever `make lock` runs; UPGRADE=--upgrade takes the
# newest allowed versions, otherwise the pins already in the locks are kept where they fit.
LOCK_OPTIONS := --quiet --generate-hashes --python-version 3.11 \
	--python-platform x86_64-unknown-linux-gnu --custom-compile-command 'make lock' $(UPGRADE)

.PHONY: run test lint bench lock clean

$(INSTALLED): $(TEST_LOCK) pyproject.toml
	test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PIP) install --require-hashes -r $(TEST_LOCK)
	$(PIP) install --no-deps -e .
	touch $@

run: $(INSTALLED)
	$(VENV)/bin/shipbot sandbox

test: $(INSTALLED)
	bash scripts/test-deps.sh
	$(VENV)/bin/ruff check shipbot tests benchmarks
	$(PYTHON) -m pytest

bench: $(INSTALLED)
	$(PYTHON) -m benchmarks.webhook_load

# The test lock is constrained by the runtime one, so the image runs the versions tested.
lock:
	test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PIP) install uv==$(UV_VERSION)
	$(VENV)/bin/uv pip compile pyproject.toml $(LOCK_OPTIONS) -o $(LOCK)
	$(VENV)/bin/uv pip compile pyproject.toml --extra test -c $(LOCK) $(LOCK_OPTIONS) \
		-o $(TEST_LOCK)

clean:
	rm -rf $(VENV) data .pytest_cache
