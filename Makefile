# Plumb — the two set-up commands are `make demo` and `make test`; both install what they need.
SHELL := /bin/bash
SWIFT ?= swift
BUILD_FLAGS ?=
# Debian packages the build, the tests and the demo need.
DEB_PACKAGES := libgit2-dev libcurl4-openssl-dev libyaml-dev libsqlite3-dev sqlite3 pkg-config git openssh-server openssh-client openssl python3 prometheus libjsonnet-dev jsonnet age gnupg systemd iproute2 procps postgresql chromium chromium-driver curl
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps build test check-warnings demo bench clean

all: build

# Installs the Debian packages that are missing (apt-get update first, once).
deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

build: deps
	$(SWIFT) build $(BUILD_FLAGS)

# The suite is XCTest; the last line is the plain count `tests: N passed, M failed`.
# The build's output is kept in .build/build.log and the target fails when the project's own
# sources (Sources/, Tests/; not dependencies) produce a compiler warning. A build only prints
# the warnings of the files it compiles, so a fresh clone (as CI has) checks every file.
test: deps
	@mkdir -p .build; set -o pipefail; \
	$(SWIFT) build $(BUILD_FLAGS) --build-tests 2>&1 | tee .build/build.log
	@mkdir -p .build; set -o pipefail; \
	$(SWIFT) test $(BUILD_FLAGS) --skip-build --disable-swift-testing 2>&1 | tee .build/test.log; status=$$?; \
	line=$$(grep -E "Executed [0-9]+ tests?, with [0-9]+ failures?" .build/test.log | tail -1); \
	total=$$(echo "$$line" | sed -E 's/.*Executed ([0-9]+) tests?.*/\1/'); \
	failed=$$(echo "$$line" | sed -E 's/.*with ([0-9]+) failures?.*/\1/'); \
	if [ -n "$$line" ]; then echo "tests: $$((total - failed)) passed, $$failed failed"; fi; \
	$(MAKE) --no-print-directory check-warnings || status=1; \
	exit $$status

# Fails when .build/build.log (written by `make test`) holds a warning about a file under
# Sources/ or Tests/ of this repository; prints each such warning once.
check-warnings:
	@test -f .build/build.log || { echo "check-warnings: no .build/build.log (run make test)"; exit 2; }; \
	warnings=$$(grep -E '^(\./|$(CURDIR)/)?(Sources|Tests)/[^:]+:[0-9]+:([0-9]+:)? warning:' .build/build.log | sort -u); \
	if [ -n "$$warnings" ]; then \
	  echo "$$warnings"; \
	  echo "error: $$(echo "$$warnings" | wc -l) compiler warning(s) in the project's own sources (above)"; \
	  exit 1; \
	fi

# Syncs fixtures/demo from this repository (HEAD) into the sandbox cluster kept in
# .plumb/sandbox.db, shows the audit history, then shows that nothing is left to change.
# Idempotent: a second run syncs an unchanged state and the diff still finds nothing.
# Then plumb controller syncs the same path as an Application and reverts a drift
# (scripts/demo-controller.sh; skipped without kubectl).
demo: build
	@bin=$$($(SWIFT) build $(BUILD_FLAGS) --show-bin-path)/plumb; set -e; \
	echo '$$ plumb sync --repo . --revision HEAD --path fixtures/demo --sandbox --prune --wait'; \
	$$bin sync --repo . --revision HEAD --path fixtures/demo --sandbox --prune --wait; \
	echo; echo '$$ plumb history'; \
	$$bin history; \
	echo; echo '$$ plumb diff --repo . --path fixtures/demo --sandbox'; \
	$$bin diff --repo . --path fixtures/demo --sandbox; \
	echo; echo '# plumb controller keeps it synced (a sandbox of its own):'; \
	scripts/demo-controller.sh $$bin

# Each benchmark in a process of its own, so what one leaves in memory is not in the next one's peak.
bench: deps
	$(SWIFT) build -c release --product plumb
	$(SWIFT) build -c release --product Benchmarks
	@for b in yaml cluster kube sync realworld controller kustomize; do $(SWIFT) run -c release --skip-build Benchmarks $$b || exit 1; done

clean:
	rm -rf .build
