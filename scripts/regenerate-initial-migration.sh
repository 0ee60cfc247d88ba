#!/usr/bin/env bash
# Until the first release the schema has a single migration, rewritten from the models.
# After the first release, never run this: add a new migration with `flask db revision -m "..."`.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
rm -f migrations/versions/0001_initial_schema.py
HOTLINE_DATABASE_URL="sqlite:///$tmp/empty.db" flask db revision -m "initial schema" --rev-id 0001
rm -rf "$tmp"
