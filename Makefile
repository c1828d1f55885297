# stormpy: one static Go binary for Python topologies on Apache Storm.
#   make demo   run the bundled word-count example
#   make test   set up everything the tests need and run every test
#   make bench  run the benchmarks in bench/

GO      ?= go
BIN     := bin/stormpy
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)

.PHONY: build demo test test-unit test-python thrift bench fuzz cluster-start cluster-stop clean

build: $(BIN)

$(BIN): FORCE
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/stormpy

FORCE:

demo: build
	scripts/demo

test: build
	scripts/test

# Unit tests only: no cluster, no sshd.
test-unit:
	$(GO) test ./...

test-python:
	python3 -m pytest -q resources/tests

thrift:
	scripts/gen-thrift

bench: build
	scripts/bench

cluster-start:
	scripts/storm-dev-cluster start

cluster-stop:
	scripts/storm-dev-cluster stop

clean:
	rm -rf bin
