# The real platform (issue 4): a private Docker engine, pack and lifecycle built from the Go module
# proxy, a Debian bookworm stack from debootstrap, our builder. Scripts in tools/platform.
P := tools/platform
NEWEST_PY := $(lastword $(PYTHON_VERSIONS))

.PHONY: platform trixie build release engine-stop cluster cluster-stop

# The builder takes the buildpack from the registry, as a platform team's would.
platform:
	$(P)/engine.sh start
	$(P)/registry.sh start
	$(P)/tools.sh >/dev/null
	$(P)/stack.sh
	$(P)/builders.sh

# A single-node Kubernetes built from the Go module proxy, with kpack installed in it
# (deploy/kpack/README.md). tests/e2e/test_kpack_build.py starts it too, and stops it when it did.
cluster: platform
	$(P)/cluster.sh start
	$(P)/kpack.sh

cluster-stop:
	$(P)/cluster.sh stop

# The Debian 13 stack and a builder on it: only the e2e tests use them, so `make demo` skips them.
trixie: platform
	$(P)/trixie.sh

# End-to-end: pack build through the lifecycle on the engine, then docker run and HTTP.
test-e2e: platform trixie $(VENVS)/$(NEWEST_PY)/ok
	@echo "== end-to-end tests (pack, lifecycle, Docker)"
	$(VENVS)/$(NEWEST_PY)/bin/python -m pytest -q tests/e2e $(PYTEST_ARGS)

demo: platform
	python3 $(P)/demo.py

# Any app: make build APP=path/to/app IMAGE=my-app [BUILD_ENV="BP_PYTHON_VERSION=3.11 DISABLE_COLLECTSTATIC=1"]
build: platform
	python3 $(P)/build_app.py "$(APP)" "$(IMAGE)" "$(BUILD_ENV)"

bench: platform $(VENVS)/$(NEWEST_PY)/ok
	$(VENVS)/$(NEWEST_PY)/bin/python $(P)/bench.py

package: platform
	@echo "make platform published the buildpackage; the .cnb files are in build/"

# CHANGELOG.md checked against buildpack.toml, then the .cnb files, SHA256SUMS and the pushed index.
release: platform
	$(P)/release.sh

engine-stop: cluster-stop
	$(P)/registry.sh stop
	$(P)/engine.sh stop
