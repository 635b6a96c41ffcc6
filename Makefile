# clc-tender: everything is set up from nothing by `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench samples fuzz clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/clc-tender evaluate sample_bids/ --scores sample_bids/scores/panel-scores.xlsx \
		--receipts sample_bids/receipts/portal-receipts.csv --out shortlist.xlsx --force

test: $(STAMP)
	$(BIN)/ruff check clc_tender tests scripts bench
	$(BIN)/mypy clc_tender
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check clc_tender tests scripts bench
	$(BIN)/mypy clc_tender

# many thousands of hostile mutants of valid bids (tests/fuzzing.py); a fresh seed each run,
# printed so that a failure can be replayed with CLC_FUZZ_SEED=<seed>
FUZZ_MUTANTS ?= 10000
fuzz: $(STAMP)
	@seed=$${CLC_FUZZ_SEED:-$$(date +%s)}; echo "fuzz: $(FUZZ_MUTANTS) mutants, CLC_FUZZ_SEED=$$seed"; \
	CLC_FUZZ_MUTANTS=$(FUZZ_MUTANTS) CLC_FUZZ_SEED=$$seed $(BIN)/python -m pytest -q tests/test_fuzz.py

samples: $(STAMP)
	$(BIN)/python scripts/make_sample_bids.py sample_bids

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) build *.egg-info
