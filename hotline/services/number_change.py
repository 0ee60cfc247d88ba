"""Changing one's contact number (道路交通安全违法行为处理程序规定, MPS Order 157, 2020, art. 20 ¶2: people
may record or change their contact details online, as the platform lets an internet-registered user
"变更联系方式").

Two proofs, in this order:
1. **The old number.** The person is verified on the number on record: by voice, the menu has verified the
   call (PIN or one-time code) before any personal business; by SMS, the sender's number on record is the
   credential, and the change needs a second message (the code) from it.
2. **The new number.** A one-time code goes to the new mobile number (services/identity.py's codes: the
   same caps per person and per receiving number, 10 minutes' life, single use, only the newest); the
   person proves the number by giving that code back in the old number's call or SMS conversation. A wrong
   code counts toward the same lockout as a wrong PIN.

Then the change is recorded `pending` and goes to the change feed (`contact_number_change`); the upstream
answers with the person's record carrying the new `phone` (confirmed; notices follow Person.phone from
then on, and P01 goes to the old and the new number); a record whose number moved to any other number
cancels it (docs/records.md, "Contact number change"). The state `refused` is kept for an upstream
refusal, which the record format does not carry yet. A number on record for anyone else cannot be taken over by
this path: the person hears only that it cannot be used here and to visit a window, never whose it is.

Refusal codes and facts:
- `persons_only` (NotPermitted; action, account) — an organisation: its contact details change at a window.
- `register_first` (NotPermitted) — a person at account level `none` (services/access.py).
- `bad_number` — not a mobile number (phonenumbers, hotline/phones.py).
- `same_number` — the new number is the one on record.
- `number_unavailable` — the number is on record for another person or organisation.
- `change_pending` (new_phone_masked) — a change already waits for the upstream.
- `too_many_codes` (retry_at), `verification_locked` (locked_until) — from identity.
- `wrong_code` (attempts_left, locked_until) — the code does not match, is used or has expired.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, or_, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import phones
from ..clock import Clock
from ..config import Settings
from ..db import ChangeKind, NumberChange, Person
from ..domain.refusals import RefusalCode
from ..domain.request_states import NumberChangeStatus
from ..masking import mask_phone
from . import identity
from .access import Action, require
from .changefeed import record_change
from .errors import NotPermitted, Refusal

if TYPE_CHECKING:
    from .identity import IssuedCode, Party


@dataclass(frozen=True)
class ChangeView:
    id: int
    status: str
    old_phone_masked: str
    new_phone_masked: str
    channel: str
    requested_at: datetime


@dataclass(frozen=True)
class Answered:
    """A change the upstream answered in this import (for the notice)."""

    change_id: int
    person_id: int
    old_phone: str
    new_phone: str
    status: str


def check_allowed(party: Party) -> None:
    """A registered person's own business (art. 20 ¶2); an organisation changes its details at a window."""
    if party.kind != identity.PERSON:
        raise NotPermitted(RefusalCode.PERSONS_ONLY, action="number_change", account=party.account)
    require(party, Action.OWN_QUERIES)


def read_number(text: str) -> str:
    """The new number as E.164, or the Refusal `bad_number`: only a mobile number can take the code."""
    number = phones.read((text or "").strip())
    if number is None or not number.mobile:
        raise Refusal(RefusalCode.BAD_NUMBER)
    return number.e164


def check(session: Session, party: Party, new_phone: str, *, taken: bool = True) -> None:
    """The rules before a code goes to `new_phone` (E.164); raises the Refusal that says why not.
    `taken=False`: all but whether someone else holds the number (start() asks that after the code limits)."""
    check_allowed(party)
    record = session.get(Person, party.id)
    if record is None:
        raise LookupError(f"person {party.id} is no longer on record")
    if new_phone == record.phone:
        raise Refusal(RefusalCode.SAME_NUMBER)
    pending = _pending(session, party.id)
    if pending is not None:
        raise Refusal(RefusalCode.CHANGE_PENDING, new_phone_masked=mask_phone(pending.new_phone))
    if taken and _taken(session, new_phone, party.id):
        # Whose it is is nobody's business here: the number cannot be taken over by this path.
        raise Refusal(RefusalCode.NUMBER_UNAVAILABLE)


def start(session: Session, clock: Clock, settings: Settings, party: Party, new_phone: str) -> IssuedCode:
    """Send a code to the new number (the channel texts `IssuedCode.code` to `IssuedCode.phone`).

    The code limits come before the "taken" check, and a `number_unavailable` answer counts as an issued
    code (never texted): probing whether a number is on record spends the same budget as a real change, and
    once the budget is spent every number gets the same `too_many_codes`. The caller commits a Refusal's
    work (the counted code) like a wrong code's failure."""
    check(session, party, new_phone, taken=False)
    issued = identity.issue_code(session, clock, settings, party, sent_to=new_phone)
    if _taken(session, new_phone, party.id):
        raise Refusal(RefusalCode.NUMBER_UNAVAILABLE)
    return issued


def confirm(
    session: Session,
    clock: Clock,
    settings: Settings,
    party: Party,
    new_phone: str,
    code: str,
    calling_number: str,
    channel: str,
) -> ChangeView:
    """The person gave the code sent to `new_phone`, from the old number's call or conversation: record
    the change and report it upstream. Raises Refusal (`wrong_code` counts toward the lockout)."""
    check_allowed(party)
    result = identity.verify_code(session, clock, settings, party, code, calling_number, sent_to=new_phone)
    if not result.ok:
        if result.locked_until is not None:
            raise Refusal(RefusalCode.VERIFICATION_LOCKED, locked_until=result.locked_until)
        raise Refusal(RefusalCode.WRONG_CODE, attempts_left=result.attempts_left)
    check(session, party, new_phone)  # again: the record may have moved while the code travelled
    record = session.get(Person, party.id)
    now = clock.now()
    change = NumberChange(
        person_id=party.id,
        old_phone=record.phone,
        new_phone=new_phone,
        status=NumberChangeStatus.PENDING,
        channel=channel,
        requested_at=now,
    )
    try:
        with session.begin_nested():
            session.add(change)
            session.flush()
    except IntegrityError:  # another channel recorded one at the same moment
        pending = _pending(session, party.id)
        raise Refusal(
            RefusalCode.CHANGE_PENDING, new_phone_masked=mask_phone(pending.new_phone if pending else new_phone)
        ) from None
    record_change(
        session,
        ChangeKind.CONTACT_NUMBER_CHANGE,
        {
            "change_id": change.id,
            "id_number": _id_number(session, party.id),
            "old_phone": change.old_phone,
            "new_phone": change.new_phone,
            "status": change.status,
            "channel": channel,
            "requested_at": now.isoformat(),
        },
        now,
    )
    return _view(change)


def pending(session: Session, party: Party) -> ChangeView | None:
    if party.kind != identity.PERSON:
        return None
    change = _pending(session, party.id)
    return _view(change) if change is not None else None


def settle_from_changes(session: Session, changes: Iterable, *, now: datetime) -> list[Answered]:
    """Close the pending changes the upstream answered (called by ingest in its transaction): a person's
    record whose `phone` became the new number confirms it; one whose number became any other number
    cancels it (the record moved some other way, at a window)."""
    answered: list[Answered] = []
    for change in changes:
        if change.type != "person" or change.old is None:
            continue
        new, old = change.new, change.old
        if new.get("phone") == old.get("phone"):
            continue
        waiting = _pending(session, new["id"])
        if waiting is None:
            continue
        confirmed = new.get("phone") == waiting.new_phone
        status = NumberChangeStatus.CONFIRMED if confirmed else NumberChangeStatus.CANCELLED
        waiting.status = status
        waiting.answered_at = now
        answered.append(Answered(waiting.id, waiting.person_id, waiting.old_phone, waiting.new_phone, status))
    if answered:
        session.flush()
    return answered


def _pending(session: Session, person_id: int) -> NumberChange | None:
    return session.scalar(
        select(NumberChange).where(
            NumberChange.person_id == person_id, NumberChange.status == NumberChangeStatus.PENDING
        )
    )


def _taken(session: Session, phone: str, person_id: int) -> bool:
    """Whether anyone else has this number on record, or is waiting to change to it."""
    parties = identity.parties_on_phone(phone)
    others = union_all(
        select(parties.c.id).where(or_(parties.c.kind != identity.PERSON, parties.c.id != person_id)),
        select(NumberChange.id).where(
            NumberChange.new_phone == phone,
            NumberChange.status == NumberChangeStatus.PENDING,
            NumberChange.person_id != person_id,
        ),
    ).subquery()
    return bool(session.scalar(select(func.count()).select_from(others)))


def _id_number(session: Session, person_id: int) -> str:
    return session.scalar(select(Person.id_number).where(Person.id == person_id))


def _view(change: NumberChange) -> ChangeView:
    return ChangeView(
        id=change.id,
        status=change.status,
        old_phone_masked=mask_phone(change.old_phone),
        new_phone_masked=mask_phone(change.new_phone),
        channel=change.channel,
        requested_at=change.requested_at,
    )
