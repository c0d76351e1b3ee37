#!/usr/bin/env bash
# Fails when cmd/codementor/wire_gen.go is not what `make generate` makes
# from wire.go, without touching the working tree.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp cmd/codementor/wire_gen.go "$tmp/committed.go"
restore() { cp "$tmp/committed.go" cmd/codementor/wire_gen.go; }
trap 'restore; rm -rf "$tmp"' EXIT
if ! out=$(go tool wire ./cmd/codementor 2>&1); then echo "$out" >&2; exit 1; fi
if ! cmp -s "$tmp/committed.go" cmd/codementor/wire_gen.go; then
  diff -u "$tmp/committed.go" cmd/codementor/wire_gen.go || true
  echo "cmd/codementor/wire_gen.go is stale: run 'make generate' and commit it" >&2
  exit 1
fi
