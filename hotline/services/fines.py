"""When a fine falls due: one definition for the query, the import's derived column and the notices.

A decision served on day D is due within 15 days (through D + 15); from the day after a late fee of 3 %
of the fine accrues each day, never more than the fine itself (violation-handling procedure, art. 60).
When D + 15 is not a working day (a weekend or a public holiday) the period ends on the first working
day after it (公安机关办理行政案件程序规定 art. 35, which the violation-handling procedure applies by its
art. 80): a fine decided on 16 September 2026 may be paid without a fee through Thursday 8 October.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from .. import calendar as work_calendar
from ..clock import CHINA

PAY_WITHIN_DAYS = 15
LATE_FEE_PERCENT_PER_DAY = 3


def served_on(value: datetime | date) -> date:
    """The China date a decision was served."""
    if isinstance(value, datetime):
        return value.astimezone(CHINA).date()
    return value


def pay_by(decided_at: datetime | date) -> date:
    """The last China date on which the fine carries no late fee: D + 15, rolled to the first working day
    after a weekend or holiday (行政案件程序规定 art. 35 via 处理程序规定 art. 80)."""
    last = served_on(decided_at) + timedelta(days=PAY_WITHIN_DAYS)
    calendar = work_calendar.official()
    return last if calendar.is_working_day(last) else calendar.next_working_day(last)


def late_fee_from(decided_at: datetime | date) -> date:
    """The first China date on which the late fee accrues."""
    return pay_by(decided_at) + timedelta(days=1)
