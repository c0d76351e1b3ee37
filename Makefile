# CodeMentor backend. `make run` and `make test` work on a fresh Debian
# machine with Go, PostgreSQL and Redis on localhost.

SHELL := /bin/bash
GO ?= go

# Local defaults; override any of them in the environment.
PGHOST_URL      ?= postgres://postgres@127.0.0.1:5432
DATABASE_URL    ?= $(PGHOST_URL)/codementor?sslmode=disable
REDIS_URL       ?= redis://127.0.0.1:6379/0
TEST_DATABASE_URL ?= $(PGHOST_URL)/codementor_test?sslmode=disable
TEST_REDIS_URL  ?= redis://127.0.0.1:6379/0
# A development-only signing key, so `make run` works out of the box. Set
# your own (openssl rand -base64 48) anywhere real.
JWT_SECRET      ?= dev-only-jwt-secret-do-not-use-in-production-0123456789
export DATABASE_URL REDIS_URL JWT_SECRET

.PHONY: all build run test test-unit generate check-generate fmt vet bench services sandbox clean

all: build

build: ## Build the binary into bin/
	$(GO) build -o bin/codementor ./cmd/codementor

services: ## Start local Postgres and Redis if they are not running
	@bash scripts/services.sh

sandbox: ## Install what the grading sandbox needs when missing (bubblewrap, python3, nodejs)
	@bash scripts/sandbox-deps.sh

run: services sandbox build ## Run the server on :8080 with migrations applied and the catalogue synced
	@bash scripts/ensure-db.sh "$(DATABASE_URL)"
	@echo "CodeMentor: API docs at http://localhost$${HTTP_ADDR:-:8080}/docs"
	./bin/codementor serve

generate: ## Regenerate wire_gen.go
	$(GO) tool wire ./cmd/codementor

check-generate: ## Fail when wire_gen.go is stale
	@bash scripts/check-generate.sh

fmt:
	@out=$$(gofmt -l .); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

test: services sandbox check-generate fmt vet ## The whole suite, with the race detector, on real Postgres, Redis and the sandbox
	@bash scripts/ensure-db.sh "$(TEST_DATABASE_URL)"
	TEST_DATABASE_URL="$(TEST_DATABASE_URL)" TEST_REDIS_URL="$(TEST_REDIS_URL)" CODEMENTOR_REQUIRE_SANDBOX=1 \
		$(GO) test -race -count=1 -timeout 8m ./...

test-unit: ## Tests that need no services (domain, application, config)
	$(GO) test -race -count=1 ./domain/... ./application/... ./cmd/codementor/config/... ./test/arch/...

bench: services sandbox ## Go benchmarks and the HTTP load test, as ratios to a bare handler
	@bash scripts/bench.sh

clean:
	rm -rf bin
