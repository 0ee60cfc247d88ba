"""Opting a number out of notices and back in: one function for every door (SMS, Twilio STOP, operators)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db import ChangeKind, PhonePreference
from .changefeed import record_change


def preference(session: Session, phone: str, now: datetime) -> PhonePreference:
    pref = session.get(PhonePreference, phone)
    if pref is None:
        pref = PhonePreference(phone=phone, opted_out=False, provider_blocked=False, modified_at=now)
        session.add(pref)
    return pref


def opted_out(session: Session, phone: str) -> bool:
    """Whether `phone` has asked for no notices (a number never seen has not)."""
    pref = session.get(PhonePreference, phone)
    return bool(pref and pref.opted_out)


def opt_out(session: Session, phone: str, now: datetime, *, source: str, provider_blocked: bool = False) -> bool:
    """Stop notices to `phone`. Returns False when it was already out (nothing changes, nothing is recorded)."""
    pref = preference(session, phone, now)
    changed = not pref.opted_out or (provider_blocked and not pref.provider_blocked)
    if not changed:
        return False
    pref.opted_out = True
    pref.provider_blocked = pref.provider_blocked or provider_blocked
    pref.opted_out_at = now
    pref.opt_out_source = source
    pref.modified_at = now
    record_change(session, ChangeKind.OPT_OUT, {"phone": phone, "source": source}, now)
    return True


def opt_in(session: Session, phone: str, now: datetime, *, source: str, provider_unblocked: bool = False) -> bool:
    """Resume notices. A number Twilio blocked (STOP) stays blocked at Twilio until it texts START, so
    only `provider_unblocked=True` (START seen) clears that part. Returns False when nothing changed."""
    pref = session.get(PhonePreference, phone)
    if pref is None or (not pref.opted_out and not (provider_unblocked and pref.provider_blocked)):
        return False
    if pref.provider_blocked and not provider_unblocked:
        return False  # Twilio still blocks the number: nothing we can change from here
    if provider_unblocked:
        pref.provider_blocked = False
    pref.opted_out = pref.provider_blocked  # still out while the provider blocks the number
    pref.modified_at = now
    if not pref.opted_out:
        pref.opted_out_at = None
        pref.opt_out_source = None
        record_change(session, ChangeKind.OPT_IN, {"phone": phone, "source": source}, now)
    return True


def opted_out_numbers(session: Session) -> list[PhonePreference]:
    query = select(PhonePreference).where(PhonePreference.opted_out).order_by(PhonePreference.phone)
    return list(session.scalars(query))
