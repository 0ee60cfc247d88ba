"""The process-wide parts every door shares: settings, database, Redis, clock and calendar.

The web app keeps one in `app.extensions["hotline"]`; workers and CLI commands build their own with
`Runtime.from_settings`. Nothing here opens a connection until it is used.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import redis
from rq import Queue
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from .calendar import WorkCalendar
from .clock import Clock, SystemClock
from .config import Settings
from .db import make_engine, make_sessionmaker, reading, reading_unit, transaction
from .gateway.voice import rest_client

# Queue names, without the deployment prefix. Urgent work (one-time codes, replies a caller waits for)
# never waits behind a daily batch of notices.
QUEUE_URGENT = "urgent"
QUEUE_NOTICES = "notices"
QUEUE_DEFAULT = "default"
QUEUES = (QUEUE_URGENT, QUEUE_NOTICES, QUEUE_DEFAULT)


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    clock: Clock
    calendar: WorkCalendar

    @classmethod
    def from_settings(cls, settings: Settings, clock: Clock | None = None) -> Runtime:
        engine = make_engine(settings.database_url)
        return cls(
            settings=settings,
            engine=engine,
            sessions=make_sessionmaker(engine),
            clock=clock or SystemClock(),
            calendar=WorkCalendar.load(settings.holidays_file),
        )

    @cached_property
    def redis(self) -> redis.Redis:
        # Short timeouts: a webhook must answer well inside Twilio's 15 s even when Redis is gone.
        return redis.Redis.from_url(
            self.settings.redis_url, socket_timeout=2, socket_connect_timeout=2, health_check_interval=30
        )

    @cached_property
    def twilio(self):
        """The `twilio` REST client for calls the hotline places (gateway/voice.py); built when first used."""
        return rest_client(self.settings)

    @cached_property
    def probe_engine(self) -> Engine:
        """The engine `/healthz` asks. On SQLite a new connection each time: a pooled one answers from its
        page cache while the WAL index is unchanged, and never sees that the file was overwritten."""
        if self.engine.dialect.name != "sqlite":
            return self.engine
        return make_engine(self.settings.database_url, poolclass=NullPool)

    def queue(self, name: str = QUEUE_DEFAULT) -> Queue:
        return Queue(f"{self.settings.rq_queue_prefix}:{name}", connection=self.redis)

    def queues(self) -> list[Queue]:
        return [self.queue(name) for name in QUEUES]

    def transaction(self, *, read_only: bool = False):
        return transaction(self.sessions, read_only=read_only)

    def reading(self):
        """A read-only Core connection (db/session.py `reading`) for the one-query reads of a webhook."""
        return reading(self.engine)

    def reading_unit(self):
        """A read-only unit of work on a Core connection that opens a session only when asked for one
        (db/session.py `ReadingUnit`)."""
        return reading_unit(self.engine, self.sessions)
