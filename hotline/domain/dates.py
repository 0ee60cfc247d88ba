"""Calendar arithmetic the rules share, and the zone business dates are read in (hotline/clock.py injects
the time itself)."""

from __future__ import annotations

from calendar import monthrange
from datetime import date
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")


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
