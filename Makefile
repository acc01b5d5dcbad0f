# tripskg: two commands do everything on a fresh machine.
#   make run   install, build the graph into dist/, serve it on http://127.0.0.1:8000
#   make test  install (Python and Debian packages the tests need), run the whole suite

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
APT_PACKAGES := raptor2-utils

.PHONY: run test install system-deps build serve lint reference clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# Debian packages used by the test suite (independent RDF parser, ...). Needs root (CI runs as root).
system-deps:
	@missing=""; \
	command -v rapper >/dev/null || missing="$$missing raptor2-utils"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

build: $(STAMP)
	$(BIN)/tripskg build --out dist

serve: build
	@echo "serving comes with the server issue; dist/ is built"

run: build serve

test: $(STAMP) system-deps
	$(BIN)/ruff check src tests
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/mypy src

reference: $(STAMP)
	$(BIN)/pip install --quiet pycountry hdx-python-country babel
	$(BIN)/python data/reference/make_countries.py

clean:
	rm -rf dist dist.builds .pytest_cache
