"""The notice and attempt tables. Their states and the order they move in are `hotline.domain.notices`;
every write of a state is in `hotline.notify.store`, which tells a notice's whole life.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.notices import NoticeState
from .base import Base


class Notice(Base):
    __tablename__ = "notice"
    __table_args__ = (
        UniqueConstraint("kind", "subject_kind", "subject_id", "occasion", name="uq_notice_key"),
        Index("ix_notice_state_not_before", "state", "not_before"),
        Index("ix_notice_phone_sent", "phone", "accepted_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(4))  # V01..W05, or X.. for transactional texts
    subject_kind: Mapped[str] = mapped_column(String(12))  # person | organisation | vehicle | phone
    subject_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    occasion: Mapped[str] = mapped_column(String(120))
    recipient_kind: Mapped[str | None] = mapped_column(String(12))  # person | organisation
    recipient_id: Mapped[int | None] = mapped_column()
    phone: Mapped[str | None] = mapped_column(String(20))  # None: skipped, no mobile number
    language: Mapped[str] = mapped_column(String(5), default="zh-CN")
    variables: Mapped[dict] = mapped_column(default=dict)
    body: Mapped[str | None] = mapped_column(Text)  # rendered text; purged after the retention period
    segments: Mapped[int | None] = mapped_column(Integer)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(12), default=NoticeState.PLANNED.value)
    skip_reason: Mapped[str | None] = mapped_column(String(60))
    failure_reason: Mapped[str | None] = mapped_column(String(200))
    planned_at: Mapped[datetime] = mapped_column()
    not_before: Mapped[datetime] = mapped_column()  # earliest send time (sending window, daily cap)
    queued_at: Mapped[datetime | None] = mapped_column()
    claimed_at: Mapped[datetime | None] = mapped_column()
    accepted_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    attempt_count: Mapped[int] = mapped_column(Integer, default=0)

    attempts: Mapped[list[NoticeAttempt]] = relationship(back_populates="notice", order_by="NoticeAttempt.number")


class NoticeAttempt(Base):
    """One call to the provider for a notice; each keeps its Message SID and outcome."""

    __tablename__ = "notice_attempt"
    __table_args__ = (UniqueConstraint("notice_id", "number", name="uq_notice_attempt_number"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(12))  # claimed | unknown | accepted | delivered | undelivered | failed
    provider_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    provider_status: Mapped[str | None] = mapped_column(String(20))
    error_code: Mapped[str | None] = mapped_column(String(10))
    error_message: Mapped[str | None] = mapped_column(String(300))
    started_at: Mapped[datetime] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()

    notice: Mapped[Notice] = relationship(back_populates="attempts")
