# The README's commands. `make run` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
STAMP := $(VENV)/.installed
# English (and any later language) catalogues: the .po files are kept in git, the compiled
# .mo files are built here so `make run` and `make test` on a fresh clone have English.
PO := $(wildcard feedback/translations/*/LC_MESSAGES/messages.po)
MO := $(PO:.po=.mo)

.PHONY: run test test-pg lint bench e2e clean translations messages

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --statistics -i $< -o $@

translations: $(MO)

# After adding or changing strings: extract them, merge into each catalogue, translate the
# new entries (tests/test_i18n.py fails while one is empty or fuzzy), then `make translations`.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ --ignore-dirs '.* __pycache__' \
		--sort-by-file -o messages.pot .
	$(BIN)/pybabel update -i messages.pot -d feedback/translations --width 100 --ignore-obsolete

run: $(STAMP) $(MO)
	FEEDBACK_ENV=$${FEEDBACK_ENV:-development} $(BIN)/feedback db upgrade
	FEEDBACK_ENV=$${FEEDBACK_ENV:-development} $(BIN)/feedback demo
	FEEDBACK_ENV=$${FEEDBACK_ENV:-development} FEEDBACK_BASE_URL=$${FEEDBACK_BASE_URL:-http://$(HOST):$(PORT)} \
		$(BIN)/feedback run --host $(HOST) --port $(PORT)

test: $(STAMP) $(MO)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy feedback
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy feedback

# Two phases: the public pages and posts against their twins under gunicorn, then the
# scale phase (BENCH_SCALE responses, default 1,000,000, on SQLite and PostgreSQL).
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/scale.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
