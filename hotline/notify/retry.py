"""Giving failed notices another chance, by hand (`flask notices retry`).

Only failures that were temporary are retried: an undelivered or failed notice whose latest attempt ended
with one of `HOTLINE_NOTICE_RETRY_ERROR_CODES` (handset unreachable, carrier congestion …) after the
automatic attempts ran out. A permanent failure (an invalid number, a landline) stays failed. The notice
goes back to `planned` as the start of a new attempt — the one sanctioned way back, since every earlier
attempt keeps its SID and outcome — and passes the re-check, opt-out, window and cap again on its way out.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..db import Notice, NoticeAttempt, NoticeState
from . import store


def retryable_ids(session: Session, codes: set[str]) -> list[int]:
    latest = (
        select(NoticeAttempt.notice_id, func.max(NoticeAttempt.number).label("number"))
        .group_by(NoticeAttempt.notice_id)
        .subquery()
    )
    query = (
        select(Notice.id)
        .join(latest, latest.c.notice_id == Notice.id)
        .join(NoticeAttempt, (NoticeAttempt.notice_id == Notice.id) & (NoticeAttempt.number == latest.c.number))
        .where(Notice.state.in_((NoticeState.FAILED, NoticeState.UNDELIVERED)), NoticeAttempt.error_code.in_(codes))
        .order_by(Notice.id)
    )
    return list(session.scalars(query))


def requeue_failed(session: Session, now: datetime, codes: set[str]) -> int:
    """Move every retryable failed notice back to planned; returns how many. Safe to run twice."""
    ids = retryable_ids(session, codes)
    store.requeue_failed(session, ids, now)
    return len(ids)
