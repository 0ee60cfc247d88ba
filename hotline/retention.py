"""Dropping what the hotline no longer needs to keep (`flask purge`).

Notice bodies (the rendered texts, which name plates and amounts), verification attempts and used
one-time codes older than HOTLINE_RETENTION_DAYS go; the notice rows themselves stay, without their
text, so statistics and the "planned once" key survive. Call state lives in Redis with a TTL and needs
no purge. Safe to run twice: a second run finds nothing left to drop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from .db import VerificationAttempt, VerificationCode
from .notify import store


@dataclass
class PurgeResult:
    notice_bodies: int
    verification_attempts: int
    verification_codes: int


def purge(session: Session, now: datetime, retention_days: int) -> PurgeResult:
    cutoff = now - timedelta(days=retention_days)
    bodies = store.purge_texts(session, cutoff)
    attempts = session.execute(delete(VerificationAttempt).where(VerificationAttempt.at < cutoff)).rowcount
    codes = session.execute(delete(VerificationCode).where(VerificationCode.expires_at < cutoff)).rowcount
    return PurgeResult(notice_bodies=bodies, verification_attempts=attempts, verification_codes=codes)
