"""The supervisor's day on the desk: notices by kind and state, failures and their reasons, sending and
delivery hour by hour, opt-outs and the calendar's coverage. Read-only; counts only, no person's data
beyond masked numbers.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..calendar import WARN_DAYS, WorkCalendar
from ..clock import CHINA, at_china
from ..db import Notice, PhonePreference
from ..domain.notices import RANK, NoticeState
from ..masking import mask_phone

FAILED_STATES = (NoticeState.FAILED, NoticeState.UNDELIVERED, NoticeState.UNKNOWN)


@dataclass(frozen=True)
class KindRow:
    kind: str
    states: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.states.values())


@dataclass(frozen=True)
class Failure:
    kind: str
    state: str
    reason: str
    count: int


@dataclass(frozen=True)
class NoticeDay:
    day: date
    states: list[str]  # the columns: every state that occurs, in the order of a notice's life
    kinds: list[KindRow]
    failures: list[Failure]
    sent_by_hour: list[int]  # 24 values, China hours: accepted by the provider
    delivered_by_hour: list[int]  # delivery receipts that said delivered
    failed_by_hour: list[int]

    @property
    def total(self) -> int:
        return sum(row.total for row in self.kinds)


@dataclass(frozen=True)
class OptOut:
    number_masked: str
    at: datetime | None
    source: str | None


@dataclass(frozen=True)
class Coverage:
    text: str
    days_left: int
    degraded: bool
    warn_days: int


def _bounds(day: date) -> tuple[datetime, datetime]:
    return at_china(day), at_china(day + timedelta(days=1))


def _hours(moments: list[datetime]) -> list[int]:
    counts = Counter(moment.astimezone(CHINA).hour for moment in moments)
    return [counts.get(hour, 0) for hour in range(24)]


def notice_day(session: Session, day: date) -> NoticeDay:
    """The notices planned on `day` (China date) by kind and state, and the day's sending hour by hour."""
    start, end = _bounds(day)
    planned = (Notice.planned_at >= start) & (Notice.planned_at < end)
    table: dict[str, dict[str, int]] = {}
    for kind, state, count in session.execute(
        select(Notice.kind, Notice.state, func.count()).where(planned).group_by(Notice.kind, Notice.state)
    ):
        table.setdefault(kind, {})[state] = count
    order = sorted(RANK, key=lambda state: (RANK[state], state))
    present = {state for counts in table.values() for state in counts}
    kinds = [KindRow(code, table[code]) for code in sorted(table)]
    failures = [
        Failure(kind, state, reason or "(no reason given)", count)
        for kind, state, reason, count in session.execute(
            select(Notice.kind, Notice.state, func.coalesce(Notice.failure_reason, Notice.skip_reason), func.count())
            .where(planned, Notice.state.in_(FAILED_STATES))
            .group_by(Notice.kind, Notice.state, func.coalesce(Notice.failure_reason, Notice.skip_reason))
            .order_by(func.count().desc())
        )
    ]
    sent = session.scalars(select(Notice.accepted_at).where(Notice.accepted_at >= start, Notice.accepted_at < end))
    finished = session.execute(
        select(Notice.finished_at, Notice.state).where(
            Notice.finished_at >= start,
            Notice.finished_at < end,
            Notice.state.in_((NoticeState.DELIVERED, NoticeState.UNDELIVERED, NoticeState.FAILED)),
        )
    ).all()
    return NoticeDay(
        day=day,
        states=[state for state in order if state in present],
        kinds=kinds,
        failures=failures,
        sent_by_hour=_hours(list(sent)),
        delivered_by_hour=_hours([at for at, state in finished if state == NoticeState.DELIVERED]),
        failed_by_hour=_hours([at for at, state in finished if state != NoticeState.DELIVERED]),
    )


def opt_outs(session: Session, *, limit: int = 20) -> tuple[int, list[OptOut]]:
    """How many numbers receive no notices, and the latest of them (masked)."""
    total = session.scalar(select(func.count()).select_from(PhonePreference).where(PhonePreference.opted_out))
    rows = session.scalars(
        select(PhonePreference)
        .where(PhonePreference.opted_out)
        .order_by(PhonePreference.opted_out_at.desc().nulls_last())
        .limit(limit)
    )
    return total or 0, [OptOut(mask_phone(row.phone), row.opted_out_at, row.opt_out_source) for row in rows]


def coverage(calendar: WorkCalendar, today: date) -> Coverage:
    return Coverage(calendar.coverage_text(), calendar.days_left(today), calendar.degraded(today), WARN_DAYS)
