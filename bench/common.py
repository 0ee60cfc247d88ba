"""What every benchmark shares: the machine line, a fresh PostgreSQL database, timed subprocesses, results.

Each benchmark prints one summary line (`name: value unit (ratio x baseline, goal …, met|not met)`) and
appends a JSON record (with the machine and the date) to bench/out/results.jsonl.
"""

from __future__ import annotations

import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(os.environ.get("HOTLINE_BENCH_OUT", ROOT / "bench" / "out"))
# Appended to every database name, so that two runs at once (a smoke test beside a full run) never share one.
TAG = os.environ.get("HOTLINE_BENCH_TAG", "")
PG_ADMIN_URL = os.environ.get("HOTLINE_BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def machine() -> dict:
    memory_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_kb = int(line.split()[1])
    except OSError:
        pass
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(memory_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
    }


def fresh_pg_database(name: str) -> str:
    """Drop and create database `name` on the benchmark server; returns its URL."""
    name = f"{name}{TAG}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0"))
    admin.dispose()
    return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def env(**settings: str) -> dict[str, str]:
    """The environment for a hotline subprocess: ours plus HOTLINE_* settings, no .env surprises."""
    environment = dict(os.environ)
    environment.update({"FLASK_APP": "app.py", "HOTLINE_LOG_JSON": "false"})
    environment.update(settings)
    return environment


def timed(command: list[str], environment: dict[str, str], *, check: bool = True) -> tuple[float, int, str]:
    """Run a command; return (wall seconds, peak RSS of the child in KiB, its output)."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        started = time.perf_counter()
        completed = subprocess.run([sys.executable, str(ROOT / "bench" / "rusage.py"), rss.name, *command],
                                   cwd=ROOT, env=environment, capture_output=True, text=True)
        elapsed = time.perf_counter() - started
        peak = int(rss.read() or 0)
    if check and completed.returncode != 0:
        sys.stderr.write(completed.stdout + completed.stderr)
        raise SystemExit(f"{' '.join(command)} failed with exit code {completed.returncode}")
    return elapsed, peak, completed.stdout + completed.stderr


def record(name: str, result: dict) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    entry = {"benchmark": name, "machine": machine(), **result}
    with (OUT / "results.jsonl").open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry, ensure_ascii=False) + "\n")


def summary_line(name: str, value: float, unit: str, *, ratio: float | None = None, baseline: str = "",
                 goal: str = "", met: bool | None = None) -> str:
    parts = [f"{name}: {value:,.1f} {unit}"]
    if ratio is not None:
        parts.append(f"ratio {ratio:.2f} x {baseline}")
    if goal:
        parts.append(f"goal {goal}")
    if met is not None:
        parts.append("met" if met else "NOT met")
    return " | ".join(parts)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, deadline_seconds: float = 30.0, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise SystemExit(f"the server on port {port} exited with code {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing listens on port {port} after {deadline_seconds} s")


class RedisServer:
    """A private redis-server on a free port, so a benchmark neither sees nor disturbs anyone else's keys."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, process=self.process)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)

    def __enter__(self) -> RedisServer:
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()


def sqlite_database(name: str) -> str:
    """A fresh SQLite file under bench/out; returns its URL."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}{TAG}.db"
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def fresh_database(backend: str, name: str) -> str:
    return fresh_pg_database(name) if backend == "postgresql" else sqlite_database(name)


def upgrade(url: str, environment: dict[str, str]) -> None:
    """`flask db upgrade`, then any table a model declares that the migration does not have yet: while the
    models change, the single initial migration is regenerated only now and then, and a benchmark should
    measure the code as it stands (when they match, which a test checks, the second step does nothing)."""
    timed(["flask", "db", "upgrade"], environment)
    from hotline.db import Base

    engine = create_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()


def demo_database(backend: str, name: str, people: int, day: str, **settings: str) -> tuple[str, float]:
    """A fresh database with the schema and `flask demo-data --people N`; returns (URL, load seconds)."""
    url = fresh_database(backend, name)
    environment = env(HOTLINE_DATABASE_URL=url, **settings)
    upgrade(url, environment)
    seconds, _, _ = timed(["flask", "demo-data", "--people", str(people), "--date", day], environment)
    return url, seconds


def vm_rss_kib(pid: int) -> int:
    """A live process's resident memory now (VmRSS), in KiB; 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def children(pid: int) -> list[int]:
    """The live child processes of `pid` (gunicorn's workers, say)."""
    found: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            found.extend(int(c) for c in (task / "children").read_text().split())
    except OSError:
        pass
    return found


def spread(values: list[float]) -> float:
    """Half the range relative to the middle value: the noise a repeated measurement shows."""
    if len(values) < 2 or not max(values):
        return 0.0
    ordered = sorted(values)
    return (ordered[-1] - ordered[0]) / 2 / ordered[len(ordered) // 2]
