# The two commands of the README: `make reports` (the main job) and `make test`.
# Both create the virtual environment themselves if it is missing.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
KERNEL := fgte-research
JOBS   ?=

.PHONY: reports test data lab bench teaching clean-venv

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (fgte-research)" >/dev/null
	@touch $(STAMP)

data: $(STAMP)
	$(BIN)/fgte data build

reports: $(STAMP)
	$(BIN)/fgte data build
	$(BIN)/fgte report params/runs/fgte_annual.yaml $(if $(JOBS),--jobs $(JOBS))

test: $(STAMP)
	$(BIN)/python -m pytest

# Jupyter's root is the repository, so jupytext.toml applies (each notebook opens and saves with its .py twin);
# the browser starts in notebooks/.
# Student and teacher working copies (notebooks/teaching/elev, /larare) and their HTML versions
teaching: $(STAMP)
	$(BIN)/python -m fgte_research.classroom
	$(BIN)/fgte report params/runs/teaching.yaml

lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=. --LabApp.default_url=/lab/tree/notebooks

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_panel.py

clean-venv:
	rm -rf $(VENV)
