# Chartcode — the verbs people expect. `make run` and `make test` do all set-up on a fresh machine.

GO       ?= go
BIN      ?= bin/chartcode
FUZZTIME ?= 10m
PKGS     := ./...

.PHONY: run build test vet fmt lint bench bench-http bench-live fuzz clean browser

# The web application on http://localhost:8080 (CHARTCODE_ADDR=127.0.0.1:9090 make run for
# another address), with its data in ./data. The first start prints the admin's one-time password.
run: build
	./$(BIN) serve

build:
	$(GO) build -o $(BIN) .

# Every test, with the race detector. Tests that need the official code sets in ../shared skip
# with a message when it is absent.
test: vet browser
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	$(GO) test -race -count=1 $(PKGS)

vet:
	$(GO) vet $(PKGS)

# The browser tests drive Debian's Chromium; install it when it is missing.
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

fmt:
	gofmt -w .

# Code (vet, gofmt) and content (chartcode lint on the built-in library).
lint: vet
	@test -z "$$(gofmt -l .)" || { gofmt -l .; exit 1; }
	$(GO) run . lint

# Benchmarks of the hot paths: grading, code search, import of the official ICD-10-CM order file.
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./grading/... ./content/ ./exams/ ./server/...

# Load over real HTTP on loopback: submissions batched vs one commit each, then the case page.
bench-http:
	$(GO) run ./cmd/benchhttp -clients 64 -duration 5s -users 64

# Live quiz load on loopback: chartcode serve in a child process, 10,000 players in one room, a
# quiz of 5 questions; fails when a target is missed. BENCH_LIVE_FLAGS="-players 500" for less.
BENCH_LIVE_FLAGS ?=
bench-live:
	$(GO) run ./cmd/benchlive $(BENCH_LIVE_FLAGS)

# Long fuzzing runs of every parser of user input (FUZZTIME each, default 10 minutes).
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParseAnswer$$' -fuzztime $(FUZZTIME) ./grading/
	$(GO) test -run '^$$' -fuzz '^FuzzParseKey$$' -fuzztime $(FUZZTIME) ./grading/

clean:
	rm -rf bin
