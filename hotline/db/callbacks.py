"""Callback requests: a citizen asked to be called back by a person instead of waiting on the line.

At most one request per number is open (`waiting` or `calling`): a partial unique index says so, so a
second press of 1, a text and a call racing cannot open two. `party_kind`/`party_id` name the verified
caller; both None for a caller who was not verified (the desk then knows only the number).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from ..domain.reaching_a_person import OPEN_CALLBACK_STATES, CallbackState
from .base import Base

# state IN ('waiting', 'calling'), from the one list of open states (the values are our own constants).
_OPEN = text("state IN ({})".format(", ".join(f"'{state}'" for state in OPEN_CALLBACK_STATES)))


class CallbackRequest(Base):
    __tablename__ = "callback_request"
    __table_args__ = (
        Index("uq_callback_request_open", "number", unique=True, sqlite_where=_OPEN, postgresql_where=_OPEN),
        Index("ix_callback_request_state_due", "state", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20))  # E.164, where the call goes
    party_kind: Mapped[str | None] = mapped_column(String(12))  # person | organisation; None: not verified
    party_id: Mapped[int | None] = mapped_column()
    menu_node: Mapped[str] = mapped_column(String(60))  # the voice menu the caller came from
    language: Mapped[str] = mapped_column(String(5))
    requested_at: Mapped[datetime] = mapped_column()
    due_at: Mapped[datetime] = mapped_column()  # now, or the next working day's opening
    state: Mapped[str] = mapped_column(String(10), default=CallbackState.WAITING)
    attempts: Mapped[int] = mapped_column(default=0)  # calls placed so far
    staff_id: Mapped[int | None] = mapped_column()  # who placed the last call
    call_sid: Mapped[str | None] = mapped_column(String(40), index=True)  # the last call placed
    updated_at: Mapped[datetime] = mapped_column()
