"""The outbound change feed: what the hotline changed, for the upstream to take back.

`GET /api/changes?after=CURSOR` reads it in id order; the id is the cursor.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class ChangeKind:
    EXAM_APPLICATION = "exam_application"
    EXAM_CANCELLATION = "exam_cancellation"
    EXAM_ALLOCATION = "exam_allocation"
    INSPECTION_BOOKING = "inspection_booking"
    INSPECTION_CANCELLATION = "inspection_cancellation"
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    EXTENSION_APPLICATION = "extension_application"
    EXTENSION_CANCELLATION = "extension_cancellation"
    VIOLATION_HANDLING = "violation_handling"
    VIOLATION_DEFERRAL = "violation_deferral"
    VIOLATION_OBJECTION = "violation_objection"
    CONTACT_NUMBER_CHANGE = "contact_number_change"


class OutboundChange(Base):
    __tablename__ = "outbound_change"

    # SQLite only auto-increments a plain INTEGER primary key.
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    payload: Mapped[dict] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()
