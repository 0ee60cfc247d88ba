"""Changing one's contact number (道路交通安全违法行为处理程序规定 art. 20 ¶2: people may record or change
their contact details online). A change is recorded once the person has proven the new number (a code sent
there) while verified on the old one; it stays `pending` until the upstream answers (docs/records.md,
"Contact number change"). At most one change per person is pending: a partial unique index says so.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from ..domain.request_states import NumberChangeStatus
from .base import Base

_PENDING = text(f"status = '{NumberChangeStatus.PENDING}'")


class NumberChange(Base):
    __tablename__ = "number_change"
    __table_args__ = (
        Index(
            "uq_number_change_open",
            "person_id",
            unique=True,
            sqlite_where=_PENDING,
            postgresql_where=_PENDING,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    old_phone: Mapped[str] = mapped_column(String(20))
    new_phone: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default=NumberChangeStatus.PENDING)
    channel: Mapped[str] = mapped_column(String(10))  # sms | voice
    requested_at: Mapped[datetime] = mapped_column()
    answered_at: Mapped[datetime | None] = mapped_column()
