"""Shared fixtures: real SQLite and PostgreSQL, real Redis, a fixed clock.

Every test that takes `db_url` (directly or through `rt`, `session`, `app`, `client`) runs twice, once
on SQLite and once on PostgreSQL. PostgreSQL comes from HOTLINE_TEST_PG_ADMIN_URL (default: the server on
127.0.0.1:5432); `scripts/services.sh` starts one when none answers. A missing server is a failure, never
a skip: the suite's promise is that it ran on both.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import threading
import time
import uuid
from datetime import datetime

import pytest
import redis as redis_lib
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from hotline.clock import CHINA, FixedClock
from hotline.config import Settings
from hotline.db import Base, make_engine
from hotline.runtime import Runtime

PG_ADMIN_URL = os.environ.get("HOTLINE_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
# Unset: each test process starts a private redis-server on a free port (isolated from any other run,
# and a test may stop it to see the hotline cope). Set it to use a server you run instead.
REDIS_BASE_URL = os.environ.get("HOTLINE_TEST_REDIS_URL", "")
BACKENDS = os.environ.get("HOTLINE_TEST_DATABASES", "sqlite,postgresql").split(",")
# One tag per run of the suite, shared by its xdist workers (they inherit the controller's environment). Every
# PostgreSQL database the suite makes has it in its name, so that two suites on one server never touch each
# other's databases; at its end the run fails if any database with its tag is left on the server.
RUN_TAG = os.environ.setdefault("HOTLINE_TEST_RUN", uuid.uuid4().hex[:10])


def pg_database_name(purpose: str) -> str:
    """A PostgreSQL database name of this run and this test process, e.g. `hotline_test_<run>_gw0`."""
    return f"hotline_{purpose}_{RUN_TAG}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"


def drop_pg_databases(suffix: str) -> None:
    """Drop every database on the test server whose name ends with `suffix` (a run's tag, say)."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        names = connection.execute(text("SELECT datname FROM pg_database")).scalars().all()
        for name in names:
            if name.endswith(suffix):
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def pg_databases_of_this_run() -> list[str]:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        names = connection.execute(text("SELECT datname FROM pg_database")).scalars().all()
    admin.dispose()
    return sorted(name for name in names if f"_{RUN_TAG}_" in name or name.endswith(f"_{RUN_TAG}"))

# The day most tests stand on: a Tuesday, a working day, 10:00 in China.
DEFAULT_NOW = datetime(2026, 11, 24, 10, 0, tzinfo=CHINA)


def _worker_number() -> int:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return int(worker.removeprefix("gw") or 0)


@pytest.fixture(scope="session")
def pg_database_url():
    """A database of our own on the test server, made for this test process and dropped after it."""
    name = pg_database_name("test")
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0"))
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """A private redis-server for this test process; tests may stop and start it."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis_lib.Redis(port=self.port)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis_lib.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


@pytest.fixture(scope="session")
def redis_server():
    if REDIS_BASE_URL:
        yield None
        return
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is not installed: run scripts/services.sh or set HOTLINE_TEST_REDIS_URL")
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path) -> str:
    """An empty database with the current schema, on each backend in turn."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'hotline.db'}"
        engine = make_engine(url)
        Base.metadata.create_all(engine)
        engine.dispose()
        return url
    url = request.getfixturevalue("pg_database_url")
    engine = make_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return url


class DatabaseOutage:
    """The test database made unreachable for real, and back.

    SQLite: the file is overwritten in place with garbage, and its bytes put back (the WAL is checkpointed
    first, so the file holds everything). PostgreSQL: the database refuses new connections and its sessions
    are terminated, as in a restart; then it accepts connections again.
    """

    def __init__(self, db_url: str) -> None:
        self.url = make_url(db_url)
        self.sqlite = self.url.get_backend_name() == "sqlite"
        self.saved: bytes | None = None

    def terminate_sessions(self) -> int:
        """PostgreSQL: end every session on the test database (pg_terminate_backend); how many there were."""
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            count = connection.scalar(
                text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = :name"),
                {"name": self.url.database},
            )
        admin.dispose()
        return count

    def _allow_connections(self, allow: bool) -> None:
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{self.url.database}" ALLOW_CONNECTIONS {str(allow).lower()}'))
        admin.dispose()

    def start(self) -> None:
        if self.sqlite:
            checkpoint = create_engine(self.url)
            with checkpoint.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            checkpoint.dispose()
            with open(self.url.database, "r+b") as file:
                self.saved = file.read()
                file.seek(0)
                file.write(b"not a database " * (len(self.saved) // 15 + 1))
            return
        self._allow_connections(False)
        self.terminate_sessions()

    def end(self) -> None:
        if self.sqlite:
            if self.saved is not None:
                with open(self.url.database, "r+b") as file:
                    file.write(self.saved)
                    file.truncate()
                self.saved = None
            return
        self._allow_connections(True)


@pytest.fixture
def database_outage(db_url):
    """`.start()` takes the database away, `.end()` brings it back; it is back after the test whatever happens."""
    outage = DatabaseOutage(db_url)
    yield outage
    outage.end()


@pytest.fixture
def redis_url(redis_server) -> str:
    """An empty Redis database of our own."""
    if redis_server is None:
        url = f"{REDIS_BASE_URL}/{1 + _worker_number() % 15}"
    else:
        if redis_server.process is None:  # a test stopped it
            redis_server.start()
        url = f"{redis_server.url}/0"
    redis_lib.Redis.from_url(url).flushdb()
    return url


@pytest.fixture
def redis_conn(redis_url) -> redis_lib.Redis:
    return redis_lib.Redis.from_url(redis_url)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(DEFAULT_NOW)


@pytest.fixture
def settings(db_url, redis_url) -> Settings:
    return Settings(
        database_url=db_url,
        redis_url=redis_url,
        public_url="https://hotline.test",
        pin_pepper="test-pepper",
    )


@pytest.fixture
def rt(settings, clock):
    runtime = Runtime.from_settings(settings, clock=clock)
    yield runtime
    runtime.engine.dispose()


@pytest.fixture
def session(rt):
    with rt.sessions() as s:
        yield s


@pytest.fixture
def app(settings, clock):
    from hotline.factory import create_app

    flask_app = create_app(settings, clock=clock)
    flask_app.config["TESTING"] = True
    yield flask_app
    flask_app.extensions["hotline"].engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def served_app(settings, clock):
    """The hotline served over HTTP by a threaded server on a free port, its public URL pointing at itself
    (so Twilio signatures are made and checked for the URL the requests really go to)."""
    from hotline.factory import create_app

    port = free_port()
    served = create_app(settings.replace(public_url=f"http://127.0.0.1:{port}"), clock=clock)
    server = make_server("127.0.0.1", port, served, threaded=True)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield served
    server.shutdown()
    thread.join(10)
    served.extensions["hotline"].engine.dispose()


class LogRecords(logging.Handler):
    """Every record the hotline logs. The app's loggers do not propagate (logs.configure gives them their
    own JSON handler), so pytest's caplog never sees them; this handler sits on them directly."""

    NAMES = ("hotline", "rq.worker", "workers")

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def at_least(self, level: int) -> list[logging.LogRecord]:
        return [r for r in self.records if r.levelno >= level]

    def tracebacks(self) -> list[logging.LogRecord]:
        return [r for r in self.records if r.exc_info or r.levelno >= logging.ERROR]


@pytest.fixture
def hotline_logs(app):
    """The hotline's log records during the test (the app made first: it configures the loggers)."""
    handler = LogRecords()
    loggers = [logging.getLogger(name) for name in LogRecords.NAMES]
    for logger in loggers:
        logger.addHandler(handler)
    yield handler
    for logger in loggers:
        logger.removeHandler(handler)


@pytest.fixture
def loopback():
    """A Twilio-compatible API on a free port (hotline.sandbox.loopback_twilio); status callbacks off."""
    from hotline.sandbox.loopback_twilio import Loopback

    server = Loopback(callbacks=False).start()
    yield server
    server.stop()


# --- which databases the suite ran on (scripts/test.sh shows this line) -------------------------------


def pytest_collection_modifyitems(items):
    # user_properties travel with each report from the xdist workers to the controller.
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and "db_url" in callspec.params:
            item.user_properties.append(("backend", callspec.params["db_url"]))


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session):
    """The whole run (the controller, after every worker finished): no database of this run may be left."""
    if hasattr(session.config, "workerinput") or "postgresql" not in BACKENDS:
        return
    try:
        left = pg_databases_of_this_run()
    except Exception as error:  # a server that is gone was reported by the tests already
        left = [f"(could not list the databases: {error})"]
    session.config.stash[LEFT_BEHIND] = left
    if left:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


LEFT_BEHIND = pytest.StashKey[list]()


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter):
    left = terminalreporter.config.stash.get(LEFT_BEHIND, [])
    if left:
        terminalreporter.write_line("databases this run left on the server: " + ", ".join(left), red=True)
    counts = {backend: {"passed": 0, "failed": 0} for backend in BACKENDS}
    for outcome in ("passed", "failed", "error"):
        for report in terminalreporter.stats.get(outcome, []):
            backend = dict(getattr(report, "user_properties", ())).get("backend")
            if backend not in counts or (outcome == "passed" and report.when != "call"):
                continue
            counts[backend]["passed" if outcome == "passed" else "failed"] += 1
    parts = [
        f"{backend} {c['passed']} passed" + (f" {c['failed']} failed" if c["failed"] else "")
        for backend, c in counts.items()
    ]
    terminalreporter.write_line("backends: " + ", ".join(parts))
