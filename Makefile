# The two README commands: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: run test bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.core: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(VENV)/.core $@

run: $(VENV)/.core
	$(BIN)/alignment-runway run

test: $(VENV)/.dev
	$(BIN)/python -m pytest
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

$(VENV)/.bench: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[bench]'
	touch $(VENV)/.core $@

# Benchmarks, apart from the tests; writes benchmarks/RESULTS.md.
bench: $(VENV)/.bench
	@command -v hyperfine >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q hyperfine; \
	  else echo "hyperfine is missing: run 'sudo apt-get install hyperfine', then make bench"; exit 1; fi; }
	hyperfine --warmup 2 --runs 20 --export-json benchmarks/startup.json \
	  '$(BIN)/alignment-runway essay' '$(BIN)/alignment-runway run' \
	  '$(BIN)/alignment-runway --version'
	$(BIN)/python -m pytest benchmarks/test_static_model.py -q -p no:cacheprovider \
	  --benchmark-json benchmarks/static.json
	$(BIN)/python benchmarks/write_results.py

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
