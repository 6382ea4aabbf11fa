# The handbook's commands. `make book` and `make test` are the two that matter (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SEED ?= 20261124
DATA_STAMP := data/synthetic/.generated
OUT ?= _build

.PHONY: setup data book test lab bench clean

# Bytecode of the handbook's own modules, as an installed package has: an editable install
# leaves none, and where PYTHONDONTWRITEBYTECODE is set (CI, some managed machines) every
# notebook kernel would compile them again (some 0.2 s each). Quick when up to date; a source
# folder that cannot be written only loses the saving.
setup: $(STAMP)
	-@$(PY) -m compileall -q jamtools bench > /dev/null

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	$(PY) -m jamtools kernel
	touch $@

data: $(DATA_STAMP)

# The synthetic demo data are regenerated (deterministically, from SEED) when absent or when
# the generator changes.
$(DATA_STAMP): $(STAMP) $(wildcard jamtools/data/synth/*.py)
	$(PY) -m jamtools synth --seed $(SEED) --scale 1 --out data/synthetic
	touch $@

book: setup data
	$(PY) -m jamtools run --out $(OUT)
	@echo "Boken finns i $(OUT)/html/index.html"

test: setup data
	$(PY) -m pytest

lab: setup data
	$(VENV)/bin/jupyter lab notebooks

# Scaling measurements into $(OUT)/bench (bench.md, bench.json, bench.png); synthetic data at up to
# 10 million rows are made once into data/bench. Options: make bench BENCH_ARGS="--quick" (see
# python -m bench --help).
bench: setup
	$(PY) -m bench --out $(OUT)/bench $(BENCH_ARGS)

clean:
	rm -rf $(OUT) runs $(VENV) *.egg-info data/synthetic/*.csv data/synthetic/*.parquet $(DATA_STAMP) data/bench .hypothesis
