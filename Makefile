# The two commands a new user needs: `make run` and `make test` (README).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SHARED ?= ../shared
# System packages the platform needs (Debian names); installed through apt when missing.
APT_PACKAGES ?=
HOST ?= 127.0.0.1
PORT ?= 8090

.PHONY: install run test conformance bench lint clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

run: install
	$(PY) -m vxml_browser.demo --host $(HOST) --port $(PORT)

test: install
	$(PY) -m pytest -q -p no:cacheprovider tests

conformance: install
	@if [ -d $(SHARED)/conformance/w3c-vxml ]; then \
	  $(VENV)/bin/vxml-conformance --suite $(SHARED)/conformance/w3c-vxml --report conformance/report.json -j 2; \
	else echo "no W3C suite at $(SHARED)/conformance/w3c-vxml: nothing to run"; fi

bench: install
	@for b in bench/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

lint: install
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache
