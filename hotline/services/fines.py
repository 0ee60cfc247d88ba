"""When a fine falls due: one definition for the query, the import's derived column and the notices.

A decision served on day D is due within 15 days (through D + 15); from D + 16 a late fee of 3 % of the
fine accrues each day, never more than the fine itself (violation-handling procedure, art. 60).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from ..clock import CHINA

PAY_WITHIN_DAYS = 15
LATE_FEE_PERCENT_PER_DAY = 3


def served_on(value: datetime | date) -> date:
    """The China date a decision was served."""
    if isinstance(value, datetime):
        return value.astimezone(CHINA).date()
    return value


def pay_by(decided_at: datetime | date) -> date:
    """The last China date on which the fine carries no late fee."""
    return served_on(decided_at) + timedelta(days=PAY_WITHIN_DAYS)


def late_fee_from(decided_at: datetime | date) -> date:
    """The first China date on which the late fee accrues."""
    return pay_by(decided_at) + timedelta(days=1)
