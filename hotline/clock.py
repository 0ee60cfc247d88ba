"""Time, injected. Business dates are China calendar dates; timestamps are UTC.

Services take a `Clock` so that tests (and the demo) can stand on any day. The zone and the calendar
arithmetic are the domain's (hotline/domain/dates.py); they are named here too, beside the clock.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from .domain.dates import CHINA, add_months, add_years

__all__ = ["CHINA", "Clock", "FixedClock", "SystemClock", "add_months", "add_years", "as_utc", "at_china",
           "china_now", "china_today"]


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until moved; for tests and scripted demos."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._at = at.astimezone(UTC)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = at.astimezone(UTC)

    def advance(self, **delta: float) -> None:
        self._at += timedelta(**delta)


def china_now(clock: Clock) -> datetime:
    return clock.now().astimezone(CHINA)


def china_today(clock: Clock) -> date:
    """Today's business date in China."""
    return china_now(clock).date()


def at_china(day: date, hour: int = 0, minute: int = 0) -> datetime:
    """An aware datetime for a China wall-clock time."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CHINA)


def as_utc(value: datetime) -> datetime:
    """Normalise a timestamp read from the database: SQLite returns naive UTC, PostgreSQL aware."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
