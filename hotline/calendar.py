"""Working days from a holiday calendar file, not from weekday arithmetic alone.

China moves weekends around its public holidays: some weekdays are holidays and some Saturdays or
Sundays are make-up working days (调休). The file lists both:

    {"covers": {"from": "2024-01-01", "until": "2026-12-31"},
     "holidays": ["2026-10-01", ...], "workdays": ["2026-09-20", ...]}

`covers` names the whole years whose State Council notice the file holds. Outside them a day can only be
guessed from its weekday, so the calendar counts as degraded from `WARN_DAYS` days before its end:
`/healthz` says so, `/metrics` shows the days left and a warning is logged (`flask calendar check`
prints the coverage).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from .config import Settings

# An operator needs time to add next year's schedule once the State Council publishes it (usually in
# November): warn 60 days before the file runs out.
WARN_DAYS = 60


@dataclass(frozen=True)
class WorkCalendar:
    holidays: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)
    covered_from: date | None = None
    covered_until: date | None = None

    @classmethod
    def load(cls, path: str | Path) -> WorkCalendar:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
        covers = raw.get("covers") or {}
        return cls(
            holidays=frozenset(date.fromisoformat(d) for d in raw.get("holidays", [])),
            workdays=frozenset(date.fromisoformat(d) for d in raw.get("workdays", [])),
            covered_from=date.fromisoformat(covers["from"]) if covers.get("from") else None,
            covered_until=date.fromisoformat(covers["until"]) if covers.get("until") else None,
        )

    def covers(self, day: date) -> bool:
        """Whether the file holds the official schedule for `day` (else it is a weekday guess)."""
        if self.covered_from is None or self.covered_until is None:
            return False
        return self.covered_from <= day <= self.covered_until

    def days_left(self, today: date) -> int:
        """Days from `today` to the last covered day (negative once past it; -1 without coverage)."""
        if self.covered_until is None:
            return -1
        return (self.covered_until - today).days

    def degraded(self, today: date) -> bool:
        """True from WARN_DAYS days before the coverage ends (and for a file that states none)."""
        return not self.covers(today) or self.days_left(today) < WARN_DAYS

    def coverage_text(self) -> str:
        if self.covered_from is None or self.covered_until is None:
            return "no coverage stated: every date is a Monday-Friday guess"
        years = ", ".join(str(y) for y in range(self.covered_from.year, self.covered_until.year + 1))
        return f"{self.covered_from.isoformat()} to {self.covered_until.isoformat()} ({years})"

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def previous_working_day(self, day: date) -> date:
        """The last working day strictly before `day`."""
        day -= timedelta(days=1)
        while not self.is_working_day(day):
            day -= timedelta(days=1)
        return day

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def working_days_before(self, day: date, count: int) -> date:
        """The working day `count` working days before `day` (3 -> the usual booking close)."""
        for _ in range(count):
            day = self.previous_working_day(day)
        return day


@functools.cache
def official() -> WorkCalendar:
    """The process's calendar for rules computed where no Runtime reaches (the import's derived columns,
    the scan): the settings' `holidays_file`, read from the environment as the app reads it."""
    return WorkCalendar.load(Settings.from_env().holidays_file)
