"""Planning a notice: one row per (kind, subject, occasion), written once whatever happens twice.

`plan_notice` plans one (change, request, allocation and result triggers); `plan_many` plans a batch (the
daily scan may plan tens of thousands). Both resolve the recipient and their number and language, take
urgency from the catalogue, and insert with ON CONFLICT DO NOTHING on the notice key (`store.plan`), so
planning the same occasion again creates nothing, even when two processes race. A recipient without a mobile number gets
the row anyway, in state `skipped` with the reason kept, so the operator can see who was not told.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import phones
from ..db import NoticeState, Organisation, Person, PhonePreference, Vehicle, Violation
from ..domain.notices import SkipReason
from ..services.allocation import AllocationResult
from . import store
from .catalogue import NoticeVariables, stored
from .catalogue import kind as notice_kind

NO_MOBILE = SkipReason.NO_MOBILE
_CHUNK = 500  # ids per IN list (SQLite's variable limit)
_PLAN_CHUNK = 5000  # notices per call to the store (SQLAlchemy splits them into multi-row VALUES itself)


@dataclass(frozen=True)
class Planned:
    """A notice to plan, with its recipient already known (the scan resolves recipients in SQL)."""

    kind: str
    subject_kind: str  # person | organisation | vehicle | violation
    subject_id: int
    occasion: str
    recipient_kind: str  # person | organisation
    recipient_id: int
    variables: NoticeVariables | dict = field(default_factory=dict)  # typed when written (catalogue.stored)
    # Send to this number instead of the recipient's number on record (P01 to the number a person left).
    phone: str | None = None


def is_mobile(phone: str | None) -> bool:
    """A mainland number must be a mobile (landlines and service numbers cannot take a text); foreign
    numbers are let through, the provider will say if they cannot."""
    if not phone:
        return False
    if phone.startswith("+86"):
        return phones.is_mobile(phone)
    return phone.startswith("+")


def plan_notice(
    session: Session,
    *,
    kind: str,
    subject_kind: str,
    subject_id: int,
    occasion: str,
    variables: dict,
    now: datetime,
    recipient: tuple[str, int] | None = None,
) -> bool:
    """Plan one notice; True when a row was created, False when this occasion was already planned.

    The recipient follows docs/notices.md from the subject (a vehicle's owner, the person themself; W02 the
    driver named on the violation when known); `recipient=("person", id)` overrides it.
    """
    if recipient is None:
        recipient = resolve_recipient(session, kind, subject_kind, subject_id, occasion)
    if recipient is None:
        raise LookupError(f"{kind}: no {subject_kind} with id {subject_id}")
    planned = Planned(kind, subject_kind, subject_id, occasion, recipient[0], recipient[1], dict(variables))
    return plan_many(session, [planned], now=now) == 1


def plan_allocation_results(session: Session, result: AllocationResult, *, now: datetime) -> None:
    """Notice D19 (occasion `plan:<plan_id>`) for every applicant of an allocation just made, in its
    transaction; with exactly the variables the catalogue gives D19's template."""
    for seat in result.seats:
        plan_notice(session, kind="D19", subject_kind="person", subject_id=seat.person_id,
                    occasion=f"plan:{result.plan_id}", variables={**result.exam, "allocated": seat.allocated},
                    now=now)


def resolve_recipient(
    session: Session, kind: str, subject_kind: str, subject_id: int, occasion: str = ""
) -> tuple[str, int] | None:
    """Who receives a notice about this subject: (person|organisation, id), or None if the subject is gone."""
    if subject_kind in ("person", "organisation"):
        return subject_kind, subject_id
    if subject_kind == "violation":
        violation = session.get(Violation, subject_id)
        if violation is None:
            return None
        subject_kind, subject_id = "vehicle", violation.vehicle_id
        if kind == "W02" and violation.driver_id_number:
            driver = _person_id(session, violation.driver_id_number)
            if driver is not None:
                return "person", driver
    if subject_kind != "vehicle":
        return None
    if kind == "W02" and occasion.startswith("violation:"):
        ref = occasion.removeprefix("violation:")
        driver_number = session.scalar(select(Violation.driver_id_number).where(Violation.ref == ref))
        driver = _person_id(session, driver_number) if driver_number else None
        if driver is not None:
            return "person", driver
    owner = session.execute(
        select(Vehicle.owner_person_id, Vehicle.owner_org_id).where(Vehicle.id == subject_id)
    ).first()
    if owner is None:
        return None
    if owner.owner_person_id is not None:
        return "person", owner.owner_person_id
    return "organisation", owner.owner_org_id


def _person_id(session: Session, id_number: str) -> int | None:
    return session.scalar(select(Person.id).where(Person.id_number == id_number))


def plan_many(session: Session, notices: Iterable[Planned], *, now: datetime) -> int:
    """Plan a batch; returns how many rows were created (occasions already planned are left alone)."""
    return sum(plan_counted(session, notices, now=now).values())


def plan_counted(session: Session, notices: Iterable[Planned], *, now: datetime) -> Counter:
    """Plan a batch; returns how many rows were created, by kind."""
    notices = list(notices)
    created: Counter = Counter()
    if not notices:
        return created
    contacts = _contacts(session, {(n.recipient_kind, n.recipient_id) for n in notices})
    for start in range(0, len(notices), _PLAN_CHUNK):
        chunk = notices[start : start + _PLAN_CHUNK]
        rows = [_row(n, _contact(n, contacts), now) for n in chunk]
        created.update(store.plan(session, rows))
    return created


def _contact(notice: Planned, contacts: dict) -> tuple[str | None, str] | None:
    contact = contacts.get((notice.recipient_kind, notice.recipient_id))
    if notice.phone is None:
        return contact
    return notice.phone, contact[1] if contact is not None else "zh-CN"


def _row(notice: Planned, contact: tuple[str | None, str] | None, now: datetime) -> dict:
    phone, language = contact if contact is not None else (None, "zh-CN")
    mobile = is_mobile(phone)
    return {
        "kind": notice.kind,
        "subject_kind": notice.subject_kind,
        "subject_id": notice.subject_id,
        "occasion": notice.occasion,
        "recipient_kind": notice.recipient_kind,
        "recipient_id": notice.recipient_id,
        "phone": phone if mobile else None,
        "language": language,
        "variables": stored(notice.kind, notice.variables),
        "urgent": notice_kind(notice.kind).urgent,
        "state": NoticeState.PLANNED if mobile else NoticeState.SKIPPED,
        "skip_reason": None if mobile else NO_MOBILE,
        "planned_at": now,
        "not_before": now,
        "finished_at": None if mobile else now,
        "attempt_count": 0,
    }


def _contacts(session: Session, recipients: set[tuple[str, int]]) -> dict[tuple[str, int], tuple[str | None, str]]:
    """(kind, id) -> (phone, language); the language a number chose on the hotline wins over the record's."""
    found: dict[tuple[str, int], tuple[str | None, str]] = {}
    for kind, model in (("person", Person), ("organisation", Organisation)):
        ids = sorted(i for k, i in recipients if k == kind)
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start:start + _CHUNK]
            for row in session.execute(select(model.id, model.phone, model.language).where(model.id.in_(chunk))):
                found[(kind, row.id)] = (row.phone, row.language or "zh-CN")
    phones = sorted({phone for phone, _ in found.values() if phone})
    chosen: dict[str, str] = {}
    for start in range(0, len(phones), _CHUNK):
        chunk = phones[start:start + _CHUNK]
        query = select(PhonePreference.phone, PhonePreference.language).where(
            PhonePreference.phone.in_(chunk), PhonePreference.language.is_not(None)
        )
        chosen.update({row.phone: row.language for row in session.execute(query)})
    return {key: (phone, chosen.get(phone, language)) for key, (phone, language) in found.items()}
