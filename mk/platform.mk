# The real platform (issue 4): a private Docker engine, pack and lifecycle built from the Go module
# proxy, a Debian bookworm stack from debootstrap, our builder. Scripts in tools/platform.
P := tools/platform
NEWEST_PY := $(lastword $(PYTHON_VERSIONS))

.PHONY: platform engine-stop

platform:
	$(P)/engine.sh start
	$(P)/tools.sh >/dev/null
	$(P)/stack.sh
	$(P)/builder.sh

# End-to-end: pack build through the lifecycle on the engine, then docker run and HTTP.
test-e2e: platform $(VENVS)/$(NEWEST_PY)/ok
	@echo "== end-to-end tests (pack, lifecycle, Docker)"
	$(VENVS)/$(NEWEST_PY)/bin/python -m pytest -q tests/e2e $(PYTEST_ARGS)

demo: platform
	python3 $(P)/demo.py

bench: platform $(VENVS)/$(NEWEST_PY)/ok
	$(VENVS)/$(NEWEST_PY)/bin/python $(P)/bench.py

package: platform
	$(P)/package.sh

engine-stop:
	$(P)/engine.sh stop
