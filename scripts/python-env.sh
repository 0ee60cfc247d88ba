# Sourced by the other scripts: choose the Python to run and make sure the locked requirements are there.
#
# The lock is requirements-dev.txt (runtime + tests and tooling) unless the caller sets HOTLINE_LOCK (the demo
# sets requirements.txt, the runtime lock). Both are generated from pyproject.toml by scripts/lock.sh: every
# package of the tree pinned, with hashes. Uses $PYTHON if set, else the project's .venv if one exists, else
# python3. When a locked package is missing or at another version, installs the lock with pip in hash-checking
# mode; where pip refuses to touch the system Python (Debian's "externally managed environment") or is absent,
# makes .venv and installs there instead. Afterwards $PYTHON is the interpreter to use and its scripts
# directory (flask, gunicorn) is on PATH.

HOTLINE_LOCK="${HOTLINE_LOCK:-requirements-dev.txt}"

_hotline_requirements_met() {
    "$PYTHON" - "$HOTLINE_LOCK" <<'PY' 2>/dev/null
import re
import sys
from importlib.metadata import PackageNotFoundError, version

try:
    from packaging.markers import Marker
except ImportError:
    from pip._vendor.packaging.markers import Marker

for line in open(sys.argv[1], encoding="utf-8"):
    match = re.match(r"([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?==([^\s;\\]+)\s*(?:;([^\\]*))?", line)
    if not match:
        continue
    if match[3] and not Marker(match[3].strip()).evaluate():
        continue
    try:
        if version(match[1]) != match[2]:
            sys.exit(1)
    except PackageNotFoundError:
        sys.exit(1)
PY
}

_hotline_install_lock() {
    "$PYTHON" -m pip install -q --disable-pip-version-check --require-hashes --no-deps -r "$HOTLINE_LOCK"
}

_hotline_make_venv() {
    if ! python3 -m venv .venv >/dev/null 2>&1; then
        if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
            echo "python-env: installing python3-venv with apt-get"
            DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv >/dev/null 2>&1 \
                || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv >/dev/null; }
            rm -rf .venv
            python3 -m venv .venv
        else
            echo "python-env: cannot make a virtual environment (install python3-venv)" >&2
            return 1
        fi
    fi
}

if [[ -z "${PYTHON:-}" ]]; then
    if [[ -x .venv/bin/python ]]; then
        PYTHON="$PWD/.venv/bin/python"
    else
        PYTHON="$(command -v python3)"
    fi
fi

if ! _hotline_requirements_met; then
    echo "python-env: installing $HOTLINE_LOCK (locked, hash-checked)"
    if ! _hotline_install_lock; then
        echo "python-env: pip cannot install into $PYTHON; using a virtual environment in .venv"
        _hotline_make_venv
        PYTHON="$PWD/.venv/bin/python"
        _hotline_install_lock
    fi
fi

PYTHON="$("$PYTHON" -c 'import sys; print(sys.executable)')"
export PYTHON
PATH="$(dirname "$PYTHON"):$PATH"
export PATH
