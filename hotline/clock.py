"""Time, injected. Business dates are China calendar dates; timestamps are UTC.

Services take a `Clock` so that tests (and the demo) can stand on any day.
"""

from __future__ import annotations

from calendar import monthrange  # the standard library's, not hotline.calendar
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")


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


def add_months(day: date, months: int) -> date:
    """The same day `months` calendar months later (or earlier); a day the month lacks becomes its last day
    (31 May less 3 months is 28 February)."""
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    return date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))


def add_years(day: date, years: int) -> date:
    """The same month and day `years` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
