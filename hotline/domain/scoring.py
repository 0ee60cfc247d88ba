"""The scoring cycle (记分周期) and its thresholds (道路交通安全违法行为记分管理办法).

A cycle is twelve months from the day the licence was first issued (art. 3); 12 points in one cycle is
full marks (满分, art. 18: the licence is held and the driver studies and is examined again); 9 is when the
hotline warns (notice D11).
"""

from __future__ import annotations

from datetime import date, timedelta

NEAR_FULL_POINTS = 9  # D11
FULL_POINTS = 12  # D12, D15


def scoring_cycle(first_issued: date, today: date) -> tuple[date, date]:
    """The scoring cycle that holds `today`: (first day, last day)."""
    start = _anniversary(first_issued, today.year)
    if start > today:
        start = _anniversary(first_issued, today.year - 1)
    start = max(start, first_issued)
    end = _anniversary(first_issued, start.year + 1) - timedelta(days=1)
    return start, end


def previous_cycle_end(first_issued: date, day: date) -> date:
    """The last day of the scoring cycle before the one that holds `day`."""
    start, _ = scoring_cycle(first_issued, day)
    return start - timedelta(days=1)


def _anniversary(first_issued: date, year: int) -> date:
    try:
        return first_issued.replace(year=year)
    except ValueError:  # 29 February in a common year
        return date(year, 3, 1)
