# The two README commands: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: run serve test fuzz bench bench-against clean chromium postgresql

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.core: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(VENV)/.core $(VENV)/.web $@

run: $(VENV)/.core
	$(BIN)/alignment-runway run
	@mkdir -p out
	$(BIN)/alignment-runway run --preset uncertain --report out/uncertain-report.html --force \
	  > /dev/null
	@echo "report of the uncertain preset: $(CURDIR)/out/uncertain-report.html"

$(VENV)/.web: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[web]'
	touch $(VENV)/.core $@

# The web playground on http://127.0.0.1:8000/ with the default preset (Ctrl+C stops it).
serve: $(VENV)/.web
	$(BIN)/alignment-runway serve

# The report's browser test needs Debian's Chromium: installed here when running as root.
chromium:
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q chromium; \
	  else echo "Chromium is missing (the report's browser test needs it): run" \
	    "'sudo apt-get install chromium', then make test"; exit 1; fi; }

# The run store's tests start a throwaway PostgreSQL server (Debian's postgresql, run as its
# own user on a socket in a temporary folder, stopped when the tests end).
postgresql:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q postgresql; \
	  else echo "PostgreSQL is missing (the run store's tests need it): run" \
	    "'sudo apt-get install postgresql', then make test"; exit 1; fi; }

test: $(VENV)/.dev chromium postgresql
	$(BIN)/python -m pytest
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

# The fuzz tests at a larger budget (make test runs them at 100 examples a test);
# FUZZ_EXAMPLES=N chooses the number of examples per test.
FUZZ_EXAMPLES ?= 2000
fuzz: $(VENV)/.dev
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest tests/fuzz -q -p no:cacheprovider \
	  --hypothesis-show-statistics

$(VENV)/.bench: pyproject.toml benchmarks/requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[bench,web]' \
	  -r benchmarks/requirements.txt
	touch $(VENV)/.core $@

# Squiggle, the JavaScript peer, run with the machine's node (npm ci from the lock file).
SQUIGGLE := benchmarks/squiggle
$(SQUIGGLE)/node_modules/.installed: $(SQUIGGLE)/package.json $(SQUIGGLE)/package-lock.json
	@command -v node >/dev/null && command -v npm >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q nodejs npm; \
	  else echo "node or npm is missing: run 'sudo apt-get install nodejs npm', then make bench"; exit 1; fi; }
	cd $(SQUIGGLE) && npm ci --no-audit --no-fund
	touch $@

# Benchmarks, apart from the tests; writes benchmarks/RESULTS.md.
# benchmarks record their runs in a store of their own, not the user's
bench: export ALIGNMENT_RUNWAY_STORE = $(CURDIR)/benchmarks/store/runs.sqlite
bench: $(VENV)/.bench $(SQUIGGLE)/node_modules/.installed
	@command -v hyperfine >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q hyperfine; \
	  else echo "hyperfine is missing: run 'sudo apt-get install hyperfine', then make bench"; exit 1; fi; }
	@test -x /usr/bin/time || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q time; \
	  else echo "/usr/bin/time is missing: run 'sudo apt-get install time', then make bench"; exit 1; fi; }
	@# bytecode compiled as an installed package has it (PYTHONDONTWRITEBYTECODE would otherwise
	@# recompile every changed module on every start)
	$(BIN)/python -m compileall -q src > /dev/null
	hyperfine --warmup 2 --runs 20 --export-json benchmarks/startup.json \
	  "$(BIN)/python -c 'import numpy'" '$(BIN)/alignment-runway --version' \
	  '$(BIN)/alignment-runway essay' '$(BIN)/alignment-runway run'
	$(BIN)/python benchmarks/startup_phases.py --out benchmarks/startup_phases.json
	hyperfine -N --warmup 1 --runs 5 --export-json benchmarks/rank.json \
	  '$(BIN)/alignment-runway run --preset uncertain -n 1000000 --no-store -f json' \
	  '$(BIN)/alignment-runway sensitivity --preset uncertain --method rank -n 1000000 -f json'
	$(BIN)/python -m pytest benchmarks/test_static_model.py -q -p no:cacheprovider \
	  --benchmark-json benchmarks/static.json
	$(BIN)/python -m pytest benchmarks/test_race.py -q -p no:cacheprovider \
	  --benchmark-json benchmarks/race.json
	/usr/bin/time -v -o benchmarks/race_memory.txt $(BIN)/alignment-runway race --preset race \
	  --samples 1000000 --format json > /dev/null
	$(BIN)/python benchmarks/peers.py
	$(BIN)/python benchmarks/web_load.py
	$(BIN)/python benchmarks/answer.py
	$(BIN)/python benchmarks/tasks_ratio.py --no-write
	$(BIN)/python benchmarks/sweep_scaling.py
	$(BIN)/python benchmarks/write_results.py

# This tree against an earlier revision (REV=...), alternating in one run: benchmarks/REVISIONS.md
bench-against: $(VENV)/.core
	@test -n "$(REV)" || { echo "usage: make bench-against REV=<git revision>"; exit 2; }
	$(BIN)/python benchmarks/revisions.py --base $(REV)

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
