"""Extension applications (延期换证 / 延期审验 / 延期提交身体条件证明) made on the hotline.

An application is `pending` until the upstream answers by updating the licence record (status N, T or P
with `extension_until`), which ingest turns into `granted`; a pending application may be `cancelled`.
At most one application per person and kind is open (pending): a partial unique index says so, so two
channels racing cannot both open one.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from ..domain.request_states import ExtensionStatus
from .base import Base

_PENDING = text(f"status = '{ExtensionStatus.PENDING}'")


class ExtensionApplication(Base):
    __tablename__ = "extension_application"
    __table_args__ = (
        Index(
            "uq_extension_application_open", "person_id", "kind", unique=True,
            sqlite_where=_PENDING, postgresql_where=_PENDING,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # renewal | review | physical
    reason: Mapped[str] = mapped_column(String(10))  # military | abroad | other
    years: Mapped[int] = mapped_column(Integer)  # 1 to 3
    status: Mapped[str] = mapped_column(String(10), default=ExtensionStatus.PENDING)
    channel: Mapped[str] = mapped_column(String(10))  # sms | voice
    applied_at: Mapped[datetime] = mapped_column()
    cancelled_at: Mapped[datetime | None] = mapped_column()
    granted_at: Mapped[datetime | None] = mapped_column()
    # The upstream's answer: the licence's extension_until when the status letter appeared.
    extension_until: Mapped[date | None] = mapped_column()
