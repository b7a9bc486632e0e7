# The two commands a newcomer needs: `make demo` and `make test`.
# Both create a local virtualenv with the pinned dependencies and compile the translations.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PO_FILES := $(wildcard bot/locale/*/LC_MESSAGES/*.po seroi/locale/*/LC_MESSAGES/*.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: demo test format translations messages bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --statistics -i $< -o $@

translations: $(STAMP) $(MO_FILES)

demo: translations
	$(BIN)/seroi-bot demo --out demo-output
	# Finnish is the bot's default language; English for partners abroad.
	$(BIN)/seroi-bot report examples/laitila_remote_work.yaml --lang fi \
	    --observations examples/observations_synthetic.csv --out demo-output/reports/fi
	$(BIN)/seroi-bot report examples/rauma_mobility.yaml --lang fi --out demo-output/reports/fi
	$(BIN)/seroi-bot report examples/laitila_remote_work.yaml --lang en \
	    --observations examples/observations_synthetic.csv --out demo-output/reports/en
	$(BIN)/seroi-bot report examples/rauma_mobility.yaml --lang en --out demo-output/reports/en

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
	$(BIN)/python bench/latency.py

# After changing UI text: extract it and merge it into each language's catalog.
# Two domains: the bot's conversation (bot/locale) and the charts and reports (seroi/locale).
EXTRACT := $(BIN)/pybabel extract -k N_ --no-location --sort-output --project seroi-bot \
	--copyright-holder "the seroi-bot contributors"
messages: $(STAMP)
	$(EXTRACT) -o bot/locale/seroi_bot.pot bot
	$(EXTRACT) -o seroi/locale/seroi.pot seroi
	for lang in fi it sv; do \
	  $(BIN)/pybabel update --no-fuzzy-matching -D seroi_bot -l $$lang -d bot/locale -i bot/locale/seroi_bot.pot; \
	done
	for lang in fi en it sv; do \
	  $(BIN)/pybabel update --no-fuzzy-matching -D seroi -l $$lang -d seroi/locale -i seroi/locale/seroi.pot; \
	done
