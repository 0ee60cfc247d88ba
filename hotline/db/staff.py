"""Staff accounts for the desk (/desk) and the audit trail of every look at a person's data.

A staff member signs in with a name and a password, hashed like the callers' PINs (scrypt keyed with the
pepper, hotline/security.py). The phone number is where "take next" and "call now" ring the agent; the desk
shows only its last digits. Five failed sign-ins lock the account for a while (`locked_until`).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class StaffRole(StrEnum):
    AGENT = "agent"  # takes callers from the queue, calls back
    SUPERVISOR = "supervisor"  # everything an agent does, plus notices, announcements and the audit log


class Staff(Base):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    role: Mapped[str] = mapped_column(String(12))
    password_hash: Mapped[str] = mapped_column(String(200))
    # E.164; where the hotline rings this agent. Never shown in full.
    phone: Mapped[str | None] = mapped_column(String(20))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()
    last_signed_in_at: Mapped[datetime | None] = mapped_column()


class AuditRecord(Base):
    """One look at a person's (or organisation's) data on the desk: who, whose, when, why, on which page."""

    __tablename__ = "audit_record"
    __table_args__ = (Index("ix_audit_record_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    subject_kind: Mapped[str] = mapped_column(String(12))  # person | organisation | caller
    subject_id: Mapped[int | None] = mapped_column()
    at: Mapped[datetime] = mapped_column()
    reason: Mapped[str] = mapped_column(String(200))
    page: Mapped[str] = mapped_column(String(60))
