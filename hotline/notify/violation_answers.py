"""Notices that answer what a person asked about a violation on the hotline, and the payment received.

Called by ingest after `services.violation_handling.settle_from_changes`, in its transaction; like the
change planner it plans nothing on a baseline import. W07 (deferral granted or refused), W08 (objection
upheld or rejected) and W09 (a handling request not accepted) go to the person who asked; a decided handling
request is told by W02 (change_planner). W06 (the fine paid) goes to the driver the points went to, else the
owner, when a stored record's `paid` turns true: once per violation (occasion `violation:<ref>`), however
often the upstream sends the paid record again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db import Person, Vehicle
from ..domain.request_states import ViolationRequestKind, ViolationRequestStatus
from .planner import Planned, plan_many

_ANSWER_KINDS = {ViolationRequestKind.DEFER: "W07", ViolationRequestKind.OBJECT: "W08"}


def plan(session: Session, answered: Iterable, changes: Sequence, *, now: datetime) -> int:
    """Plan the notices for the requests answered in this batch and the fines newly paid; how many."""
    by_violation = {change.new["id"]: change.new for change in changes if change.type == "violation"}
    notices: list[Planned] = []
    for answer in answered:
        new = by_violation.get(answer.violation_id)
        if new is None:
            continue
        occasion = f"violation-request:{answer.request_id}"
        if answer.kind in _ANSWER_KINDS:
            until = new.get("deferred_until")
            variables = {"plate": new["plate"], "outcome": answer.status}
            if answer.kind == ViolationRequestKind.DEFER:
                variables["until"] = until.isoformat() if until else None
            notices.append(
                Planned(
                    _ANSWER_KINDS[answer.kind],
                    "vehicle",
                    new["vehicle_id"],
                    occasion,
                    "person",
                    answer.person_id,
                    variables,
                )
            )
        elif answer.status == ViolationRequestStatus.REFUSED:
            notices.append(
                Planned(
                    "W09", "vehicle", new["vehicle_id"], occasion, "person", answer.person_id, {"plate": new["plate"]}
                )
            )
    for change in changes:
        if change.type != "violation" or change.old is None:
            continue  # first sight is not news: a fine paid before the hotline saw it is not announced
        new, old = change.new, change.old
        if not new["paid"] or old["paid"] or new.get("revoked"):
            continue
        recipient = _payer(session, new)
        if recipient is None:
            continue
        notices.append(
            Planned(
                "W06",
                "vehicle",
                new["vehicle_id"],
                f"violation:{new['ref']}",
                *recipient,
                {"plate": new["plate"], "fine": new["fine_fen"], "decision_number": new.get("decision_number")},
            )
        )
    return plan_many(session, notices, now=now) if notices else 0


def _payer(session: Session, violation: dict) -> tuple[str, int] | None:
    if violation.get("driver_id_number"):
        driver = session.scalar(select(Person.id).where(Person.id_number == violation["driver_id_number"]))
        if driver is not None:
            return "person", driver
    owner = session.execute(
        select(Vehicle.owner_person_id, Vehicle.owner_org_id).where(Vehicle.id == violation["vehicle_id"])
    ).one_or_none()
    if owner is None:
        return None
    return ("person", owner[0]) if owner[0] is not None else ("organisation", owner[1])
