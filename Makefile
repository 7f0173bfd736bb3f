# The two entry points a fresh machine needs (see README.md): `make dev` and `make test`.
# Both install what is missing first; re-running them installs nothing new.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: dev test soak install checkov browser prerequisites check lint schema

dev: install
	$(BIN)/bnpl dev

test: install checkov browser
	$(BIN)/python -m pytest

# Ten minutes of mixed traffic against the whole local stack, watching for leaks (tests/soak;
# BNPL_SOAK_MINUTES changes the length). Not part of `make test`.
soak: install
	$(BIN)/python -m pytest -m soak tests/soak

install: prerequisites $(VENV)/.installed node_modules/.installed

prerequisites:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
	  || { echo "Python 3.11 or newer is required: install python3 (3.11+) and python3-venv"; exit 1; }
	@command -v npm >/dev/null 2>&1 \
	  || { echo "Node.js and npm are required: apt-get install nodejs npm"; exit 1; }
	@command -v java >/dev/null 2>&1 && java -version 2>&1 | grep -Eq 'version "(1[7-9]|[2-9][0-9])' \
	  || { echo "Java 17 or newer is required for DynamoDB Local: apt-get install openjdk-17-jre-headless"; exit 1; }

$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

# checkov scans infra/ (tests/infra/test_checkov.py). It lives in its own venv: it pulls in
# packages that clash with the project's (a top-level `hcl2`, PyPI's `schema`).
CHECKOV_VERSION := 3.3.30
CHECKOV_VENV := .venv-checkov

checkov: $(CHECKOV_VENV)/.installed-$(CHECKOV_VERSION)

$(CHECKOV_VENV)/.installed-$(CHECKOV_VERSION):
	@test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check 'checkov==$(CHECKOV_VERSION)'
	@touch $@

# The browser tests drive Debian's chromium (Playwright cannot download browsers here) and trust
# the stack's local CA through a throwaway NSS database (certutil, from libnss3-tools).
BROWSER_PACKAGES := chromium libnss3-tools

APT := $(if $(filter 0,$(shell id -u)),,sudo )apt-get

browser:
	@command -v chromium >/dev/null 2>&1 && command -v certutil >/dev/null 2>&1 \
	  || { echo "installing $(BROWSER_PACKAGES) for the browser tests"; \
	       $(APT) install -y -q $(BROWSER_PACKAGES) >/dev/null 2>&1 \
	       || { $(APT) update -q >/dev/null && $(APT) install -y -q $(BROWSER_PACKAGES) >/dev/null; }; }

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Regenerate schema/schema.graphql and resolvers/bindings.json from the code.
schema: install
	$(BIN)/bnpl schema export

# The shopper's checkout page (web/): its own npm project, built into web/dist, which `bnpl dev`
# serves. Rebuilt only when its sources change; the suite's codegen and type checks use its
# node_modules.
.PHONY: web
dev: web
test: web

web: web/dist/index.html

WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) \
  web/index.html web/vite.config.ts web/tsconfig.json web/codegen.ts

web/node_modules/.installed: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

web/dist/index.html: web/node_modules/.installed $(WEB_SOURCES)
	cd web && npm run build
