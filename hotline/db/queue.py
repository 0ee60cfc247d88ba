"""Callers in the voice queue (Twilio `<Enqueue>`): who waited, how long, and how they left.

Kept in the database rather than in Redis: the supervisor's page charts the day hour by hour (waiting,
longest wait, abandoned, handled) and the expected wait comes from the handling times measured over past
calls, both of which need the history after the callers are gone; a Redis hash per caller would have to be
scanned and would vanish with a restart. One row per call (`call_sid` unique), written when Twilio first
asks the wait URL and updated at each repeat (about every 45 s), so the writes stay few.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class QueueEntry(Base):
    __tablename__ = "queue_entry"
    __table_args__ = (
        Index("ix_queue_entry_entered_at", "entered_at"),
        Index("ix_queue_entry_left_at", "left_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(40), unique=True)
    number: Mapped[str] = mapped_column(String(20))  # E.164, or "anonymous"
    party_kind: Mapped[str | None] = mapped_column(String(12))  # the party identified by the number, if any
    party_id: Mapped[int | None] = mapped_column()
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    menu_node: Mapped[str] = mapped_column(String(60))  # the menu the caller left for a person
    language: Mapped[str] = mapped_column(String(5))
    entered_at: Mapped[datetime] = mapped_column()
    position: Mapped[int | None] = mapped_column()  # the last QueuePosition Twilio gave
    position_at: Mapped[datetime | None] = mapped_column()
    left_at: Mapped[datetime | None] = mapped_column()  # None while waiting
    outcome: Mapped[str | None] = mapped_column(String(10))  # QueueOutcome
    staff_id: Mapped[int | None] = mapped_column()  # who took the call
    agent_call_sid: Mapped[str | None] = mapped_column(String(40))  # the REST call that rang the agent
    ended_at: Mapped[datetime | None] = mapped_column()  # a taken call's end: the handling time
