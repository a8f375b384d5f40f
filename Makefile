# Chartcode — the verbs people expect. `make run` and `make test` do all set-up on a fresh machine.

GO       ?= go
BIN      ?= bin/chartcode
FUZZTIME ?= 10m
PKGS     := ./...

.PHONY: run build test vet fmt lint bench fuzz clean

run: build
	./$(BIN) help

build:
	$(GO) build -o $(BIN) .

# Every test, with the race detector. Tests that need the official code sets in ../shared skip
# with a message when it is absent.
test: vet
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	$(GO) test -race -count=1 $(PKGS)

vet:
	$(GO) vet $(PKGS)

fmt:
	gofmt -w .

lint: vet
	@test -z "$$(gofmt -l .)" || { gofmt -l .; exit 1; }

# Benchmarks of the hot paths: grading, code search, import of the official ICD-10-CM order file.
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./grading/...

# Long fuzzing runs of every parser of user input (FUZZTIME each, default 10 minutes).
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParseAnswer$$' -fuzztime $(FUZZTIME) ./grading/
	$(GO) test -run '^$$' -fuzz '^FuzzParseKey$$' -fuzztime $(FUZZTIME) ./grading/

clean:
	rm -rf bin
