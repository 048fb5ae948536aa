PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: test demo install clean bench

$(BIN)/billwatch: pyproject.toml setup.py rules/_stepone.c
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(BIN)/billwatch

install: $(BIN)/billwatch

test: install
	$(BIN)/pytest -q

demo: install
	$(BIN)/billwatch demo

bench: install
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/rules.py
	$(BIN)/python benchmarks/digest.py

clean:
	rm -rf $(VENV) demo-out *.egg-info
