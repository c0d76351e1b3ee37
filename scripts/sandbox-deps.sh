#!/usr/bin/env bash
# sandbox-deps.sh: installs what the local code runner (adapters/runner/local)
# needs and is missing: bubblewrap, python3, nodejs (Go is already there).
# Idempotent; when everything is present it only checks and exits.
#
# Needs root or sudo to install. Debian/Ubuntu (apt-get) only.
set -euo pipefail

missing=()
command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)
[ -x /usr/bin/python3 ] || missing+=(python3)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
# prlimit (util-linux) sets the sandbox's rlimits; Debian always has it.
command -v prlimit >/dev/null 2>&1 || missing+=(util-linux)

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
	if ! command -v sudo >/dev/null 2>&1; then
		echo "sandbox-deps: need root (or sudo) to install: ${missing[*]}" >&2
		exit 1
	fi
	sudo=(sudo)
fi
if ! command -v apt-get >/dev/null 2>&1; then
	echo "sandbox-deps: no apt-get here; install by hand: ${missing[*]}" >&2
	exit 1
fi

echo "sandbox-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
