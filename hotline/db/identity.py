"""Verification attempts, one-time codes and per-number preferences (opt-out, reply language)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class VerificationAttempt(Base):
    """Every PIN or code check; five failures in 15 minutes lock the party and the calling number."""

    __tablename__ = "verification_attempt"
    __table_args__ = (
        Index("ix_verification_attempt_party", "party_kind", "party_id", "at"),
        Index("ix_verification_attempt_number", "calling_number", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # None where the caller typed an ID that matches nobody: the attempt still counts for the number.
    party_kind: Mapped[str | None] = mapped_column(String(12))  # person | organisation
    party_id: Mapped[int | None] = mapped_column()
    calling_number: Mapped[str] = mapped_column(String(20))
    method: Mapped[str] = mapped_column(String(4))  # pin | otp
    outcome: Mapped[str] = mapped_column(String(8))  # a domain.verification.VerificationOutcome
    at: Mapped[datetime] = mapped_column()


class VerificationCode(Base):
    """A one-time code sent by SMS to the number on record; only its hash is kept."""

    __tablename__ = "verification_code"
    __table_args__ = (Index("ix_verification_code_party", "party_kind", "party_id", "issued_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    party_kind: Mapped[str] = mapped_column(String(12))
    party_id: Mapped[int] = mapped_column()
    code_hash: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()
    # Where the code went when not to the party's number on record: the new number of a contact number
    # change (services/number_change.py). Such a code proves that number only and never verifies a caller.
    sent_to: Mapped[str | None] = mapped_column(String(20))


class PhonePreference(Base):
    """What a number told the hotline: notices off (TD / STOP) and the reply language for texts.

    Kept per number, not per person, because the carrier rules and Twilio's opt-out work per number.
    """

    __tablename__ = "phone_preference"

    phone: Mapped[str] = mapped_column(String(20), primary_key=True)
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    # Twilio's own STOP handling blocks the number at the provider; only START lifts that.
    provider_blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    opted_out_at: Mapped[datetime | None] = mapped_column()
    opt_out_source: Mapped[str | None] = mapped_column(String(20))  # td | twilio_stop | 21610 | operator
    language: Mapped[str | None] = mapped_column(String(5))
    modified_at: Mapped[datetime] = mapped_column()
