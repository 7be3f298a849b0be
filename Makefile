# The two commands of the README: `make run` and `make test`. Everything they need is installed here.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
HOST ?= 127.0.0.1
TRANSLATIONS := matchmaker/translations

.PHONY: run serve-prod test abuse load install translations extract-messages browser pg-client audit lint bench faults clean vendor-fonts

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

$(VENV)/.installed-bench: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	touch $@

install: $(VENV)/.installed translations

## Compile the .po catalogues in the repository into the .mo files Flask-Babel reads.
translations: $(VENV)/.installed
	$(BIN)/pybabel --quiet compile -d $(TRANSLATIONS)
	@test -f $(TRANSLATIONS)/vi/LC_MESSAGES/messages.mo

## After changing user-facing strings: extract them and merge into every catalogue.
extract-messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -o $(TRANSLATIONS)/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-fuzzy-matching

run: install
	$(BIN)/matchmaker db upgrade
	$(BIN)/matchmaker demo-data --if-empty
	$(BIN)/matchmaker run --host $(HOST) --port $(PORT)

## Production: migrations, then gunicorn with several workers on DATABASE_URL and REDIS_URL (README, "Production").
serve-prod: install
	@BIN=$(BIN) bash scripts/serve-prod.sh

## Debian's Chromium for the browser tests (Playwright never downloads a browser here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

## PostgreSQL's client tools (pg_dump, pg_restore) for `matchmaker backup`/`restore` and their tests; Debian's
## postgresql-client is the version of Debian's server. Against another server, install its major version.
pg-client:
	@command -v pg_dump >/dev/null 2>&1 && command -v pg_restore >/dev/null 2>&1 || { \
	  echo "Installing Debian's postgresql-client (pg_dump, pg_restore)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-client >/dev/null; }

test: $(VENV)/.installed-test translations browser pg-client
	@bash scripts/run-tests.sh $(PYTEST_ARGS)

## Known vulnerabilities of the installed packages (pip-audit, PyPI's data); accepted ones are explained in
## .pip-audit-ignore. Fails on an unexplained one, and when the service cannot be reached.
audit: $(VENV)/.installed-test
	$(BIN)/python scripts/audit.py

## The security suite, deep: every payload, identity and file, and many generated examples (README, "Security tests").
abuse: $(VENV)/.installed-test translations browser pg-client
	@MATCHMAKER_ABUSE=deep bash scripts/run-tests.sh -m abuse $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check matchmaker tests bench
	$(BIN)/ruff format --check matchmaker tests bench

bench: $(VENV)/.installed
	$(BIN)/python bench/matching_speed.py
	$(BIN)/python bench/goldstandard.py
	$(BIN)/python bench/search_speed.py
	$(BIN)/python bench/relevance.py --quiet
	$(BIN)/python bench/dashboard.py
	$(BIN)/python bench/api.py

## Load test (README, "Load test"): a database of its own on PostgreSQL (127.0.0.1:5432, or LOAD_ARGS=--pg ...),
## gunicorn as in production, locust's visitors for 2 minutes; everything is removed at the end.
## LOAD_ARGS=--quick for a 20 s smoke run; bench/load.py --help for the rest.
LOAD_ARGS ?=
load: $(VENV)/.installed-bench translations
	$(BIN)/python bench/load.py $(LOAD_ARGS)
## Fault drills (README, "Fault drills"): PostgreSQL restarted, Redis stopped, gunicorn workers killed, search
## index deleted, refit killed, each under load, on a throwaway PostgreSQL cluster, redis-server and gunicorn of
## its own (never the machine's shared ones). Runs as root (the cluster runs as the postgres user); ~8 minutes.
faults: $(VENV)/.installed translations
	PYTHONPATH=. $(BIN)/python bench/faults.py $(FAULTS_ARGS)

## Refresh the committed Be Vietnam Pro font (woff2, weights 400-700) from the npm registry's @fontsource package.
## Not needed by run or test: the files are in the repository (SIL Open Font License, LICENSE beside them).
FONT_VERSION ?= 5.3.0
FONT_DIR := matchmaker/static/vendor/be-vietnam-pro
vendor-fonts:
	@tmp=$$(mktemp -d) && cd $$tmp && npm pack --silent @fontsource/be-vietnam-pro@$(FONT_VERSION) >/dev/null && tar xzf *.tgz && \
	  cd $(CURDIR) && for s in vietnamese latin-ext latin; do for w in 400 500 600 700; do \
	    cp $$tmp/package/files/be-vietnam-pro-$$s-$$w-normal.woff2 $(FONT_DIR)/files/; done; done && \
	  cp $$tmp/package/LICENSE $(FONT_DIR)/LICENSE && rm -rf $$tmp && echo "Be Vietnam Pro $(FONT_VERSION) copied to $(FONT_DIR)"

clean:
	rm -rf $(VENV) instance/*.db
