# The two commands a newcomer needs: `make demo` and `make test`.
# Both create a local virtualenv with the pinned dependencies and compile the translations.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PO_FILES := $(wildcard bot/locale/*/LC_MESSAGES/*.po seroi/locale/*/LC_MESSAGES/*.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: demo test lint format translations extract-messages bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --statistics -i $< -o $@

translations: $(STAMP) $(MO_FILES)

demo: translations
	$(BIN)/seroi-bot demo

test: translations
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: translations
	$(BIN)/python bench/seroi_bench.py
	$(BIN)/python bench/throughput.py
