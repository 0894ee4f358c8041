# RingScope: `make demo` runs the whole job on the embedded store, `make test` runs the tests.
# Both set up what they need first and are safe to run again.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP_RUNTIME := $(VENV)/.installed-runtime
STAMP_DEV     := $(VENV)/.installed-dev

.PHONY: demo test lint lock bench notebooks clean system-test-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q uv==0.13.9

$(STAMP_RUNTIME): $(BIN)/python requirements.lock pyproject.toml
	$(BIN)/uv pip install -q --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e .
	touch $@

$(STAMP_DEV): $(BIN)/python requirements-dev.lock pyproject.toml
	$(BIN)/uv pip install -q --python $(BIN)/python -r requirements-dev.lock
	$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e .
	touch $@ $(STAMP_RUNTIME)

demo: $(STAMP_RUNTIME)
	$(BIN)/ringscope demo

system-test-deps:
	bash tests/setup/system.sh

test: $(STAMP_DEV) system-test-deps lint
	$(BIN)/python -m pytest

lint: $(STAMP_DEV)
	$(BIN)/ruff check graph ingest detectors api tests benchmarks
	$(BIN)/mypy

# The analysts' notebooks, run top to bottom on copies in build/notebooks (outputs saved there;
# notebooks/ stays without outputs). 04_cypher runs when NEO4J_URI or FALKORDB_URL names a
# scratch database, and is skipped otherwise.
notebooks: $(STAMP_DEV)
	rm -rf build/notebooks && mkdir -p build/notebooks && cp notebooks/*.ipynb build/notebooks/
	cd build/notebooks && for nb in *.ipynb; do \
	  if [ "$$nb" = 04_cypher.ipynb ] && [ -z "$$NEO4J_URI$$FALKORDB_URL" ]; then \
	    echo "$$nb: skipped (set NEO4J_URI or FALKORDB_URL to a scratch database)"; continue; fi; \
	  ../../$(BIN)/jupyter execute --inplace "$$nb" || exit 1; done

# Re-pin after changing dependencies in pyproject.toml.
lock: $(BIN)/python
	$(BIN)/uv pip compile -q pyproject.toml -o requirements.lock
	$(BIN)/uv pip compile -q pyproject.toml --extra dev -o requirements-dev.lock

# Ingest, look-ups, detection, quality and the scoring API in one run, one table (README, Figures).
# make bench BENCH_ARGS="--customers 100000" for the README's scale.
bench: $(STAMP_DEV) system-test-deps
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

clean:
	rm -rf $(VENV) data build *.egg-info
