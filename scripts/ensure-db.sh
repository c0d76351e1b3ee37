#!/usr/bin/env bash
# Creates the database named in a postgres:// URL when it does not exist.
# The server connects as the URL's user; this connects the same way.
set -euo pipefail
url="$1"
db="${url##*/}"; db="${db%%\?*}"
base="${url%/*}/postgres"
[ -n "$db" ] || { echo "no database name in $url" >&2; exit 1; }
if ! psql "$base" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
  echo "creating database $db"
  psql "$base" -qc "CREATE DATABASE \"$db\""
fi
