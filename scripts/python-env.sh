# Sourced by the other scripts: choose the Python to run and make sure the pinned requirements are there.
#
# Uses $PYTHON if set, else the project's .venv if one exists, else python3. When a requirement is missing
# or at another version, installs requirements.txt with pip; where pip refuses to touch the system Python
# (Debian's "externally managed environment") or is absent, makes .venv and installs there instead.
# Afterwards $PYTHON is the interpreter to use and its scripts directory (flask, gunicorn) is on PATH.

_hotline_requirements_met() {
    "$PYTHON" - <<'PY' 2>/dev/null
import re
import sys
from importlib.metadata import PackageNotFoundError, version

for line in open("requirements.txt", encoding="utf-8"):
    line = line.split("#", 1)[0].strip()
    match = re.fullmatch(r"([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?==(\S+)", line)
    if not match:
        continue
    try:
        if version(match[1]) != match[2]:
            sys.exit(1)
    except PackageNotFoundError:
        sys.exit(1)
PY
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
    echo "python-env: installing requirements.txt"
    if ! "$PYTHON" -m pip install -q --disable-pip-version-check -r requirements.txt; then
        echo "python-env: pip cannot install into $PYTHON; using a virtual environment in .venv"
        _hotline_make_venv
        PYTHON="$PWD/.venv/bin/python"
        "$PYTHON" -m pip install -q --disable-pip-version-check -r requirements.txt
    fi
fi

PYTHON="$("$PYTHON" -c 'import sys; print(sys.executable)')"
export PYTHON
PATH="$(dirname "$PYTHON"):$PATH"
export PATH
