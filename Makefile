# klpkit: `make kpatch` builds and proves the default example in a VM;
# `make test` runs every test. Both run the idempotent set-up first.
GO      ?= go
BIN     := bin/klpkit
export CGO_ENABLED  := 0
export KLPKIT_CACHE ?= $(CURDIR)/.cache

.PHONY: all build setup kpatch test unit vmtest fuzz bench clean

all: build

# The binary is also the VM's /init, so it must be static (CGO_ENABLED=0);
# stripped, it is a third smaller, which the VM pays for in boot time.
build:
	$(GO) build -trimpath -ldflags "-s -w" -o $(BIN) ./cmd/klpkit

setup:
	@bash scripts/setup.sh

kpatch: setup build
	$(BIN) vm run examples/cmdline

test: setup build
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt: files above need formatting"; exit 1; }
	KLPKIT_BIN=$(CURDIR)/$(BIN) $(GO) test -count=1 -timeout 40m ./...
	$(MAKE) fuzz FUZZTIME=10s

FUZZTIME ?= 30s
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./spec/
	KLPKIT_BIN=$(CURDIR)/$(BIN) $(GO) test -run '^$$' -fuzz '^FuzzRender$$' -fuzztime $(FUZZTIME) ./builder/

bench: setup build
	KLPKIT_BIN=$(CURDIR)/$(BIN) $(GO) test -run '^$$' -bench . -benchtime 3x -timeout 30m ./bench/

clean:
	rm -rf bin
