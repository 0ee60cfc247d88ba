"""When a fine falls due and what is owed late: one definition for the query, the import's derived column
and the notices.

A decision served on day D is due within 15 days (through D + 15); from the day after a late fee of 3 %
of the fine accrues each day, never more than the fine itself (violation-handling procedure, art. 60).
When D + 15 is not a working day (a weekend or a public holiday) the period ends on the first working
day after it (公安机关办理行政案件程序规定 art. 35, which the violation-handling procedure applies by its
art. 80): a fine decided on 16 September 2026 may be paid without a fee through Thursday 8 October.

The working days come from the caller (`hotline.calendar.official()`, the holiday file): a rule here reads
no file.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Protocol

from .dates import CHINA

PAY_WITHIN_DAYS = 15
LATE_FEE_PERCENT_PER_DAY = 3


class WorkingDays(Protocol):
    def is_working_day(self, day: date) -> bool: ...

    def next_working_day(self, day: date) -> date: ...


def served_on(value: datetime | date) -> date:
    """The China date a decision was served."""
    if isinstance(value, datetime):
        return value.astimezone(CHINA).date()
    return value


def pay_by(decided_at: datetime | date, calendar: WorkingDays) -> date:
    """The last China date on which the fine carries no late fee: D + 15, rolled to the first working day
    after a weekend or holiday (行政案件程序规定 art. 35 via 处理程序规定 art. 80)."""
    last = served_on(decided_at) + timedelta(days=PAY_WITHIN_DAYS)
    return last if calendar.is_working_day(last) else calendar.next_working_day(last)


def late_fee_from(decided_at: datetime | date, calendar: WorkingDays) -> date:
    """The first China date on which the late fee accrues."""
    return pay_by(decided_at, calendar) + timedelta(days=1)


def late_fee_fen(
    fine_fen: int,
    decided_at: datetime | date | None,
    today: date,
    calendar: WorkingDays,
    revoked: bool = False,
    *,
    paid: bool = False,
) -> int:
    """The late fee owed on `today` for a decision served at `decided_at` (art. 60: 3 % a day from the day
    after `pay_by`, at most the fine); none for a fine revoked, paid, not yet decided or of nothing."""
    if decided_at is None or revoked or paid or fine_fen <= 0:
        return 0
    late_days = (today - pay_by(decided_at, calendar)).days
    if late_days <= 0:
        return 0
    fee = (fine_fen * LATE_FEE_PERCENT_PER_DAY * late_days + 50) // 100  # percent of fen, half up
    return min(fee, fine_fen)
