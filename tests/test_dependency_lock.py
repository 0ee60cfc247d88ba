"""The installs are reproducible: pyproject.toml declares the dependencies, the locks pin the whole tree with hashes.

`scripts/lock.sh` writes requirements.txt (runtime: what production installs) and requirements-dev.txt (runtime
plus the dev group: what the scripts and CI install) from pyproject.toml. These tests catch a lock that was not
regenerated after pyproject.toml changed, a test tool leaking into production, and a line without a hash.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", re.match(r"[A-Za-z0-9_.-]+", requirement)[0]).lower()


def _declared() -> tuple[dict[str, str], dict[str, str]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    runtime = {_name(r): r.split("==", 1)[1] for r in project["project"]["dependencies"]}
    dev = {_name(r): r.split("==", 1)[1] for r in project["dependency-groups"]["dev"]}
    return runtime, dev


def _lock(file: str) -> dict[str, str]:
    """Package -> pinned version, checking that every requirement in the lock carries its hashes."""
    text = (ROOT / file).read_text(encoding="utf-8")
    pins: dict[str, str] = {}
    # One requirement per block: `name==version [; marker] \` followed by `--hash=sha256:...` lines.
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        if block.startswith("#") or not block.strip():
            continue
        head = re.match(r"([A-Za-z0-9_.-]+)==([^\s;\\]+)", block)
        assert head, f"{file}: not an exact pin: {block.splitlines()[0]}"
        assert re.search(r"--hash=sha256:[0-9a-f]{64}", block), f"{file}: {head[1]} has no hash"
        pins[_name(head[1])] = head[2]
    return pins


def test_pyproject_declares_every_dependency_pinned_exactly():
    runtime, dev = _declared()
    assert {"flask", "twilio", "rq", "sqlalchemy", "psycopg", "gunicorn"} <= set(runtime)
    assert {"pytest", "ruff"} <= set(dev)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    for requirement in project["project"]["dependencies"] + project["dependency-groups"]["dev"]:
        assert re.fullmatch(r"[A-Za-z0-9_.-]+(\[[a-z,]+\])?==[0-9][^\s]*", requirement), requirement


def test_runtime_lock_pins_every_declared_dependency_and_no_test_tool():
    runtime, dev = _declared()
    lock = _lock("requirements.txt")
    for name, version in runtime.items():
        assert lock.get(name) == version, f"requirements.txt has {name} {lock.get(name)}, pyproject.toml {version}"
    assert not set(dev) & set(lock), "production would install test tools"
    # The whole tree, not only what pyproject names: Flask's Werkzeug, twilio's aiohttp, ...
    assert {"werkzeug", "click", "aiohttp", "requests", "psycopg-binary"} <= set(lock)


def test_dev_lock_is_the_runtime_lock_plus_the_dev_group():
    runtime, dev = _declared()
    lock = _lock("requirements-dev.txt")
    for name, version in {**runtime, **dev}.items():
        assert lock.get(name) == version, f"requirements-dev.txt has {name} {lock.get(name)}, pyproject.toml {version}"
    runtime_lock = _lock("requirements.txt")
    assert {name: lock[name] for name in runtime_lock} == runtime_lock


def test_the_scripts_and_the_deploy_install_from_the_locks_with_hashes():
    env = (ROOT / "scripts" / "python-env.sh").read_text(encoding="utf-8")
    assert "--require-hashes" in env and 'HOTLINE_LOCK="${HOTLINE_LOCK:-requirements-dev.txt}"' in env
    assert "HOTLINE_LOCK=requirements.txt source scripts/python-env.sh" in (ROOT / "scripts" / "demo.sh").read_text()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "pip install --require-hashes -r requirements.txt" in readme
