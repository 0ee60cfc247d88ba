"""Requests about a violation made on the hotline: handling it (自助处理), deferring it (延期处理), objecting
to its record (异议). Each is `pending` until the upstream answers with the violation's own record
(docs/records.md: `request_id`, `request_outcome`), which ingest turns into the request's final state.

At most one request of each kind per violation is open (pending): a partial unique index says so, so two
channels racing cannot both open one.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from ..domain.request_states import ViolationRequestStatus
from .base import Base

_PENDING = text(f"status = '{ViolationRequestStatus.PENDING}'")


class ViolationRequest(Base):
    __tablename__ = "violation_request"
    __table_args__ = (
        Index(
            "uq_violation_request_open",
            "violation_id",
            "kind",
            unique=True,
            sqlite_where=_PENDING,
            postgresql_where=_PENDING,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    violation_id: Mapped[int] = mapped_column(ForeignKey("violation.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # handle | defer | object
    status: Mapped[str] = mapped_column(String(10), default=ViolationRequestStatus.PENDING)
    channel: Mapped[str] = mapped_column(String(10))  # sms | voice
    requested_at: Mapped[datetime] = mapped_column()
    months: Mapped[int | None] = mapped_column(Integer)  # defer: 1 to 3
    answered_at: Mapped[datetime | None] = mapped_column()
    # The upstream's answer to a deferral: the date until which handling is deferred.
    deferred_until: Mapped[date | None] = mapped_column()
