# python-cnb: every task a developer or CI runs. `make test` is what .ci/run calls.
SHELL := /bin/bash
.DEFAULT_GOAL := help
ROOT := $(abspath .)
VENVS := $(ROOT)/.venv
PYTEST_ARGS ?=

.PHONY: help test test-unit test-phase test-e2e lint bench demo package vendor stacks toolset clean

help:
	@echo "make demo       build examples/ with real pack on a local Docker engine and serve it"
	@echo "make build      APP=<dir> IMAGE=<name> [BUILD_ENV=\"K=V ...\"]: build any app the same way"
	@echo "make test       unit, phase and reliability tests on the oldest and newest Python, then end-to-end"
	@echo "make test-unit  unit tests: offline, in seconds"
	@echo "make test-phase phase and reliability tests: bin/detect and bin/build as processes (no engine)"
	@echo "make test-e2e   end-to-end tests with pack, lifecycle and Docker"
	@echo "make lint       syntax floor (Python 3.6), pyflakes, mypy, at most 5 parameters a function,"
	@echo "                no import circles in lib, commit subjects of at most 72 characters"
	@echo "make bench      figures: detect time, cold vs warm build, sizes, start-up"
	@echo "make package    .cnb files per arch and the multi-arch buildpackage in the local registry"
	@echo "make release    CHANGELOG checked, then the .cnb files, SHA256SUMS and the pushed index in build/release"
	@echo "make vendor     refresh lib/python_cnb/_vendor"
	@echo "make stacks     regenerate stacks/*.yaml"
	@echo "make toolset    regenerate stacks/toolset/wheels.yaml (pip, setuptools, wheel pins)"

# One venv with pytest per interpreter: the oldest and newest CPython 3 this machine has.
$(VENVS)/%/ok: tests/requirements.txt
	@py=$$(tools/pythons.sh | grep "/$*/" ); \
	  rm -rf $(VENVS)/$*; $$py -m venv $(VENVS)/$* && \
	  $(VENVS)/$*/bin/python -m pip install --quiet --disable-pip-version-check -r tests/requirements.txt && \
	  touch $@

PYTHON_VERSIONS := $(shell tools/pythons.sh | sed 's#.*/versions/\([^/]*\)/.*#\1#')

# tests/unit needs no network and no engine: anything that does is a phase test.
test-unit: $(foreach v,$(PYTHON_VERSIONS),$(VENVS)/$(v)/ok)
	@set -e; for v in $(PYTHON_VERSIONS); do \
	  echo "== unit tests on Python $$v"; \
	  $(VENVS)/$$v/bin/python -m pytest -q tests/unit $(PYTEST_ARGS); \
	done

# Each interpreter's suite at once (most of a phase test waits on pip, PyPI or a process), each
# in its own base temp dir (emptied when its next run starts), logs shown whole when both end.
test-phase: $(foreach v,$(PYTHON_VERSIONS),$(VENVS)/$(v)/ok)
	@mkdir -p build/test-phase; for v in $(PYTHON_VERSIONS); do \
	  ( $(VENVS)/$$v/bin/python -m pytest -q --basetemp=$(CURDIR)/build/test-phase/tmp-$$v tests/phase tests/reliability \
	    $(PYTEST_ARGS) > build/test-phase/$$v.log 2>&1; echo $$? > build/test-phase/$$v.rc ) & \
	done; wait; failed=0; for v in $(PYTHON_VERSIONS); do \
	  echo "== phase and reliability tests on Python $$v"; cat build/test-phase/$$v.log; \
	  [ "$$(cat build/test-phase/$$v.rc)" = 0 ] || failed=1; \
	done; exit $$failed

test: test-unit test-phase test-e2e

# The lib's syntax floor is Python 3.6 (Ubuntu 18.04's python3); the vendored packages pin their own.
# .ci/run runs this before the tests.
lint: $(VENVS)/lint/ok
	$(VENVS)/lint/bin/vermin --no-tips --violations -t=3.6- --exclude-regex '/_vendor/' lib/python_cnb
	$(VENVS)/lint/bin/python -m pyflakes $$(find lib tests tools -name '*.py' -not -path '*/_vendor/*')
	cd lib && $(VENVS)/lint/bin/mypy --config-file ../mypy.ini --cache-dir $(VENVS)/mypy-cache python_cnb
	$(VENVS)/lint/bin/python tools/max_params.py lib
	$(VENVS)/lint/bin/python tools/import_graph.py lib/python_cnb
	$(VENVS)/lint/bin/python tools/commit_subjects.py

$(VENVS)/lint/ok:
	python3 -m venv $(VENVS)/lint && $(VENVS)/lint/bin/python -m pip install --quiet vermin pyflakes mypy==1.13.0 types-PyYAML types-toml && touch $@

vendor:
	tools/vendor.sh

stacks:
	python3 tools/gen_stacks.py

# Needs PyPI: the pinned wheels' urls and sha256 (pins in tools/gen_toolset.py).
toolset:
	python3 tools/gen_toolset.py

clean:
	rm -rf $(VENVS) build

include mk/platform.mk
