# UPP — two set-up commands: `make run` and `make test`. Both create .venv themselves.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | md5sum | cut -c1-12)
export AWS_DEFAULT_REGION ?= cn-north-1

.PHONY: run test test-fast package bench venv clean

venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "UPP needs Python 3.11, found " + sys.version.split()[0]'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@rm -f $(VENV)/.installed-* && touch $@

## Start the whole platform locally (moto AWS, channel simulator, API) — Ctrl-C stops it.
run: venv
	$(PY) -m infra.local_stack

## Run the whole test suite (unit, integration against moto, end-to-end against the local stack).
test: venv
	$(PY) -m pytest -q -n 2 --dist loadgroup tests

test-fast: venv
	$(PY) -m pytest -q tests/unit

## CloudFormation template: chalice package merged with infra/ resources → build/package/sam.json
package: venv
	$(PY) -m infra.template build/resources.json
	rm -rf build/package
	$(VENV)/bin/chalice package --stage prod --merge-template build/resources.json build/package
	@echo "template: build/package/sam.json"

## Benchmarks: DynamoDB requests per call and latency ratios, measured in one run.
bench: venv
	$(PY) -m bench.run $(PARTS)

clean:
	rm -rf build .pytest_cache .hypothesis
