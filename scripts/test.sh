#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it (.ci/run calls this):
#   requirements (installed only when missing), Redis and PostgreSQL (started when not running),
#   ruff, then pytest on 2 processes: every database test on SQLite and on PostgreSQL, real Redis.
# Extra arguments go to pytest, e.g. `bash scripts/test.sh tests/demo -x`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

source scripts/python-env.sh
bash scripts/services.sh

echo "ruff check ."
"$PYTHON" -m ruff check .

started=$SECONDS
set +e
# -p no:benchmark: a pytest-benchmark installed on the machine would only warn that xdist disables it.
"$PYTHON" -m pytest -n 2 -p no:cacheprovider -p no:benchmark "$@"
status=$?
set -e
echo "tests took $(( (SECONDS - started) / 60 )) min $(( (SECONDS - started) % 60 )) s"
if [[ $status == 5 ]]; then
    echo "no tests were collected: that is a failure, not a pass" >&2
    exit 1
fi
exit "$status"
