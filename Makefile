# Every target sets up what it needs: a virtualenv in .venv with this project installed.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
DEMO_WORKSPACE ?= workspace/demo
SHARED ?= ../shared

.PHONY: help venv demo test eval bench learning-curve clean

help:
	@echo "make demo   - set up .venv and run the pipeline on examples/ into $(DEMO_WORKSPACE)"
	@echo "make test   - set up .venv with test extras and run the tests"
	@echo "make eval   - sentence-boundary evaluation against $(SHARED)/data/raw/indosum-dev"
	@echo "make bench  - pre-labelling throughput on $(SHARED)/data/raw/indosum-dev (figures in bench/results.json)"
	@echo "make learning-curve - retrain NER and events from simulated corrections, random vs ranked queue (bench/learning_curve/)"
	@echo "make clean  - remove .venv, workspace/ and releases/"

# The demo needs only the package itself (no test extras, no Ray, no spaCy): .venv/.base.
$(VENV)/.base: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed: $(VENV)/.base
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

venv: $(VENV)/.installed

DEMO_RELEASES ?= workspace/demo-releases

demo: $(VENV)/.base
	rm -rf $(DEMO_WORKSPACE) $(DEMO_RELEASES)
	$(PY) -m builder ingest examples --workspace $(DEMO_WORKSPACE)
	$(PY) -m builder show --workspace $(DEMO_WORKSPACE) --limit 3 --tokens
	$(PY) -m builder prelabel --workspace $(DEMO_WORKSPACE)
	$(PY) -m builder push --workspace $(DEMO_WORKSPACE) --start-server
	$(PY) -m builder pull --workspace $(DEMO_WORKSPACE) --start-server
	$(PY) -m builder release --workspace $(DEMO_WORKSPACE) --releases-dir $(DEMO_RELEASES) --version 0.1.0 --export conll --export jsonl
	$(PY) -m builder status --workspace $(DEMO_WORKSPACE)
	@echo
	@echo "Demo output: $(DEMO_WORKSPACE)/ (articles, sentences, pre-labels, Label Studio snapshots) and"
	@echo "the release in $(DEMO_RELEASES)/id_news/0.1.0/."
	@echo "Annotators: run '$(PY) -m builder serve --workspace $(DEMO_WORKSPACE)' and open the URL it prints."
	@echo "When they are done (serve still running; or add --start-server), these make the next version:"
	@echo "  $(PY) -m builder pull --workspace $(DEMO_WORKSPACE)"
	@echo "  $(PY) -m builder release --workspace $(DEMO_WORKSPACE) --releases-dir $(DEMO_RELEASES) --bump minor"
	@echo "Load the release: $(PY) -c \"import datasets; print(datasets.load_dataset('$(DEMO_RELEASES)/id_news/0.1.0'))\""

test: venv
	./scripts/ensure-chromium
	$(PY) -m pytest

eval: venv
	mkdir -p workspace
	$(PY) -m builder eval segments $(SHARED)/data/raw/indosum-dev --json workspace/eval-segments.json

bench: venv
	$(PY) -m pip install --quiet -e ".[bench]"
	$(PY) bench/run.py --shared $(SHARED)

learning-curve: venv
	$(PY) -m builder eval learning-curve --data-dir $(SHARED)/data/ner --out bench/learning_curve

clean:
	rm -rf $(VENV) workspace releases
