# slipway's Makefile is its CI: .ci/run calls these same targets.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
GO ?= go
BIN := $(CURDIR)/bin
LAB := $(BIN)/slipway-lab
FUZZTIME ?= 20000x
export GOFLAGS := -buildvcs=false
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
LDFLAGS := -X main.version=$(VERSION) -X main.commit=$(COMMIT)

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: build
build: ## build bin/slipway (version and commit stamped) and bin/slipway-lab
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/slipway ./cmd/slipway
	$(GO) build -o $(LAB) ./cmd/slipway-lab

.PHONY: fmt
fmt: ## gofmt every Go file
	gofmt -w $$(git ls-files '*.go')

.PHONY: vet
vet: ## go vet and a gofmt check
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

.PHONY: lab-deps
lab-deps: ## install what the lab needs (runc, debootstrap, umoci) from Debian; as root, or says what to install
	scripts/lab-deps.sh

.PHONY: lab
lab: build lab-deps ## start the local BuildKit lab (buildkitd, registry, stand-in bases) and print its env
	$(LAB) up

.PHONY: lab-down
lab-down: build ## stop the lab; no process is left behind
	$(LAB) down

.PHONY: test
test: build vet lab-deps ## run every test, unit and integration, against the lab (installs its packages, starts it)
	env=$$($(LAB) up) || { echo "make test: the lab did not start (see the lines above)" >&2; exit 1; }; eval "$$env"; \
	$(GO) test -count=1 -timeout 60m ./... ; \
	$(MAKE) --no-print-directory fuzz-short

.PHONY: test-unit
test-unit: ## run the tests that need no BuildKit (integration tests skip outside CI)
	$(GO) test -count=1 ./...

.PHONY: fuzz-short
fuzz-short: ## run each fuzz target briefly (FUZZTIME executions, default 20000x)
	@for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz' || true); do \
	    echo "fuzz $$pkg $$t"; \
	    $(GO) test $$pkg -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 500x; \
	  done; \
	done

.PHONY: interop-cosign
interop-cosign: ## build cosign v2.6.5 from the Go module proxy (slow) and check signatures both ways with it
	GOBIN=$(BIN) $(GO) install github.com/sigstore/cosign/v2/cmd/cosign@v2.6.5
	SLIPWAY_COSIGN=$(BIN)/cosign $(GO) test -count=1 -tags cosign -run TestCosignInterop ./cmd/slipway

.PHONY: golden-update
golden-update: ## rewrite the golden Dockerfiles under internal/generate/testdata
	$(GO) test ./internal/generate -run TestGolden -update

.PHONY: bench
bench: build lab-deps ## measure image size, rebuild, generate, lint, scan and golden build against the lab (starts it; prunes its build cache)
	env=$$($(LAB) up) || { echo "make bench: the lab did not start (see the lines above)" >&2; exit 1; }; eval "$$env"; \
	mkdir -p .lab/bench; \
	if [ -d internal/lint ]; then $(GO) test -run '^$$' -bench 'Lint2000|LintScale' -benchmem ./internal/lint | tee .lab/bench/lint.txt; \
	else echo "internal/lint does not exist: no lint benchmark" > .lab/bench/lint.txt; fi; \
	$(GO) build -o $(BIN)/slipway-bench ./cmd/slipway-bench; \
	$(BIN)/slipway-bench --lint-result .lab/bench/lint.txt --json .lab/bench/results.json $(BENCHFLAGS)

.PHONY: demo
demo: build lab-deps ## start the lab, generate the Go example, build it through BuildKit with a secret mount, verify it
	scripts/demo.sh
