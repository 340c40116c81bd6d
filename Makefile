# Bedside: the two commands are `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test install font lint bench i18n clean

$(STAMP): requirements/base.txt requirements/dev.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check uv==0.13.8
	$(BIN)/uv pip install -q --python $(BIN)/python -r requirements/base.txt -r requirements/dev.txt
	$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e .
	touch $(STAMP)

install: $(STAMP) font

# The PDFs' Chinese font is a subset of Debian's fonts-noto-cjk, built here rather than
# committed (scripts/subset_cjk_font.py; deterministic, a few seconds).
FONT := src/bedside/documents/fonts/BedsideSansSC-Regular.ttf
CJK_SOURCE := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc

font: $(STAMP)
	@if [ ! -f $(FONT) ]; then \
	  if [ -f $(CJK_SOURCE) ]; then $(BIN)/python scripts/subset_cjk_font.py; \
	  else echo "note: receipts, wristbands and discharge documents need a Chinese font:" \
	    "apt-get install fonts-noto-cjk, then make install"; fi; \
	fi

demo: install
	BEDSIDE_DEMO=1 BEDSIDE_NOTIFY_CHANNELS=$${BEDSIDE_NOTIFY_CHANNELS:-sms,wechat,log} $(BIN)/bedside demo

# Tests are independent (each worker has its own database and ports): one worker per core.
test: install
	$(BIN)/pytest -n $${BEDSIDE_TEST_WORKERS:-auto}

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python scripts/i18n.py --check

bench: install
	$(BIN)/python bench/run.py

i18n: install
	$(BIN)/python scripts/i18n.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
