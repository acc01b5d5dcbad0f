# tripskg: two commands do everything on a fresh machine.
#   make run   install, build the graph into dist/, serve it on http://127.0.0.1:8000
#   make test  install (Python and Debian packages the tests need), run the whole suite
#   make test-fast  only the unmarked tests (no slow, browser or virtuoso ones): under a minute

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
APT_PACKAGES := raptor2-utils virtuoso-opensource-7-bin chromium
YASGUI_VERSION := 4.6.2
SWAGGER_UI_VERSION := 5.35.0
VENDOR := src/tripskg/static/vendor

.PHONY: run test test-fast install system-deps build serve lint reference clean vendor bench bench-large docs

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# Debian packages used by the test suite (independent RDF parser, Virtuoso 7 for the push test, ...). Needs root (CI runs as root).
system-deps:
	@missing=""; \
	command -v rapper >/dev/null || missing="$$missing raptor2-utils"; \
	command -v virtuoso-t >/dev/null && command -v isql-vt >/dev/null || missing="$$missing virtuoso-opensource-7-bin"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

build: $(STAMP)
	$(BIN)/tripskg build --out dist

serve: build
	$(BIN)/tripskg serve --dist dist --host $(HOST) --port $(PORT)

run: build serve

test: $(STAMP) system-deps
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy src
	$(BIN)/python -m pytest -q

# Tests run in random order (pytest-randomly; the seed is printed last: replay an order with
# PYTEST_ADDOPTS='-p randomly --randomly-seed=N'). Markers: slow, browser, virtuoso (pyproject.toml).
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow and not browser and not virtuoso"

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy src

# Benchmarks against baselines measured in the same run (benchmarks/README.md): make bench
# (<= 15 min, writes benchmarks/RESULTS.md); make bench-large (1M activities, long; idle machine).
bench: $(STAMP)
	@$(BIN)/python -c "import rdflib_endpoint" 2>/dev/null && test -x $(BIN)/oxigraph || $(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python benchmarks/run.py --label "make bench"

bench-large: $(STAMP)
	$(BIN)/python benchmarks/run.py --large --label "make bench-large"

# Load test (benchmarks/RELIABILITY.md): 20,000 requests at 50 concurrent clients on the
# 100k-activity synthetic graph against tripskg serve, then 1,000 against rdflib-endpoint
# serving the same dump; 127.0.0.1 only, stops by itself. The graph is built once in LOAD_DIR.
LOAD_DIR ?= /tmp/tripskg-load
RDFLIB_REQUESTS ?= 1000
LOAD_MAX_SECONDS ?= 1200
.PHONY: load
$(LOAD_DIR)/dist/tripskg.nq.gz: | $(STAMP)
	$(BIN)/python benchmarks/generate.py --activities 100000 --reports 100 --seed 1 \
	  --out $(LOAD_DIR)/data --force
	$(BIN)/tripskg -q build --data $(LOAD_DIR)/data --out $(LOAD_DIR)/dist --no-site

load: $(STAMP) $(LOAD_DIR)/dist/tripskg.nq.gz
	@$(BIN)/python -c "import rdflib_endpoint" 2>/dev/null || $(BIN)/pip install --quiet rdflib-endpoint
	$(BIN)/python benchmarks/load.py --dist $(LOAD_DIR)/dist --requests 20000 --concurrency 50 \
	  --rdflib-requests $(RDFLIB_REQUESTS) --max-seconds $(LOAD_MAX_SECONDS) --profile \
	  --json $(LOAD_DIR)/load-results.json

# Generated docs: docs/queries.md (from the headers of queries/*.rq) and docs/cli.md (from the
# click commands). tests/docs/test_docs.py fails when they differ from what this writes.
docs: $(STAMP)
	$(BIN)/python -m tripskg.docgen

reference: $(STAMP)
	$(BIN)/pip install --quiet pycountry hdx-python-country babel
	$(BIN)/python data/reference/make_countries.py

# Front-end assets of the server (YASGUI, Swagger UI) from the npm registry; the copies in
# $(VENDOR) are committed, so this only runs to upgrade them.
vendor:
	rm -rf .vendor-tmp && mkdir -p .vendor-tmp
	cd .vendor-tmp && npm pack --silent @zazuko/yasgui@$(YASGUI_VERSION) swagger-ui-dist@$(SWAGGER_UI_VERSION) \
	  && mkdir yasgui swagger && tar xzf zazuko-yasgui-$(YASGUI_VERSION).tgz -C yasgui \
	  && tar xzf swagger-ui-dist-$(SWAGGER_UI_VERSION).tgz -C swagger
	mkdir -p $(VENDOR)/yasgui $(VENDOR)/swagger-ui
	cp .vendor-tmp/yasgui/package/build/yasgui.min.js .vendor-tmp/yasgui/package/build/yasgui.min.css $(VENDOR)/yasgui/
	cp .vendor-tmp/swagger/package/swagger-ui-bundle.js .vendor-tmp/swagger/package/swagger-ui.css \
	  .vendor-tmp/swagger/package/LICENSE .vendor-tmp/swagger/package/NOTICE $(VENDOR)/swagger-ui/
	sed -i 's|//# sourceMappingURL=.*$$||' $(VENDOR)/yasgui/yasgui.min.js $(VENDOR)/swagger-ui/swagger-ui-bundle.js
	sed -i 's|/\*# sourceMappingURL=.*\*/||' $(VENDOR)/yasgui/yasgui.min.css $(VENDOR)/swagger-ui/swagger-ui.css
	# served precompressed (serve/static.py): a third of the size in the package
	gzip -n -9 -f $(VENDOR)/swagger-ui/swagger-ui-bundle.js
	rm -rf .vendor-tmp

clean:
	rm -rf dist dist.builds .pytest_cache
