# Two commands do all the set-up on a fresh machine with Python 3.11+ and make:
#   make demo   venv + install + crawl the built-in sample web, enrich, link, alert
#   make test   venv + install (with test extras) + the whole suite
PYTHON ?= python3
# The suite runs in JOBS processes, one test file per process at a time (pytest-xdist).
JOBS   ?= 2
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test bench docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,browse]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/merchintel demo

test: $(STAMP)
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile

bench: $(STAMP)
	for b in bench/*_bench.py; do $(BIN)/python $$b || exit 1; done

docs: $(STAMP)
	$(BIN)/python -m merchintel.docs

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache demo-out
