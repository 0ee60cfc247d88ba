"""Working days from a holiday calendar file, not from weekday arithmetic alone.

China moves weekends around its public holidays: some weekdays are holidays and some Saturdays or
Sundays are make-up working days (调休). The file lists both:

    {"holidays": ["2026-10-01", ...], "workdays": ["2026-09-20", ...]}
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path


@dataclass(frozen=True)
class WorkCalendar:
    holidays: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def load(cls, path: str | Path) -> WorkCalendar:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(
            holidays=frozenset(date.fromisoformat(d) for d in raw.get("holidays", [])),
            workdays=frozenset(date.fromisoformat(d) for d in raw.get("workdays", [])),
        )

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
