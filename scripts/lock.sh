#!/usr/bin/env bash
# Regenerate the locks from pyproject.toml: every package of the tree pinned ==, with the hashes of its files.
#
#   requirements.txt       the runtime dependencies (what production installs)
#   requirements-dev.txt   the runtime ones plus the dev group (tests and tooling; what the scripts and CI install)
#
#   bash scripts/lock.sh                     keep every pin that still fits pyproject.toml (after adding a dependency)
#   bash scripts/lock.sh --upgrade-package twilio    move one package (and what it needs) to its newest release
#   bash scripts/lock.sh --upgrade           move everything to the newest releases
#
# Uses uv (pinned in the dev group); installs it with pip when it is missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

source scripts/python-env.sh
if ! "$PYTHON" -m uv --version >/dev/null 2>&1; then
    echo "lock: installing uv"
    "$PYTHON" -m pip install -q --disable-pip-version-check "$(grep -Eo '"uv==[^"]+"' pyproject.toml | tr -d '"')"
fi

compile() {
    "$PYTHON" -m uv pip compile pyproject.toml --quiet --generate-hashes --universal \
        --custom-compile-command "bash scripts/lock.sh" "$@"
}
compile -o requirements.txt "$@"
compile --group dev -o requirements-dev.txt "$@"
echo "lock: wrote requirements.txt and requirements-dev.txt; commit them with pyproject.toml"
