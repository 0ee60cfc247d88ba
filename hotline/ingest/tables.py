"""How each record type meets its table: finding the stored copies of a chunk's keys, resolving
references, and which columns belong to the hotline rather than the upstream.

Everything here works a chunk at a time with one SELECT per type (or per reference target), so an import
costs a handful of queries per thousand records, not one per record.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, ColumnElement, Table, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from ..db import (
    Announcement,
    ExamPlan,
    ExamResult,
    InspectionSlot,
    Learner,
    Licence,
    NoticeRequest,
    Organisation,
    Person,
    Vehicle,
    Violation,
)

PERSON = Person.__table__
ORGANISATION = Organisation.__table__
VEHICLE = Vehicle.__table__
EXAM_PLAN = ExamPlan.__table__

# Columns never shown in a change: bookkeeping, and the PIN hash (a change says `has_pin` instead).
HIDDEN = frozenset({"created_at", "modified_at", "pin_hash"})


@dataclass(frozen=True)
class TableSpec:
    type: str
    table: Table
    # Columns the hotline owns: seeded on insert (from the record or a default), never overwritten.
    owned: dict[str, Any]
    # The unique columns a row is found by once inserted.
    natural: tuple[str, ...]
    has_pin: bool = False

    @property
    def has_created_at(self) -> bool:
        return "created_at" in self.table.c


SPECS: dict[str, TableSpec] = {
    "person": TableSpec("person", PERSON, {"language": None}, ("id_number",), has_pin=True),
    "organisation": TableSpec("organisation", ORGANISATION, {"language": "zh-CN"}, ("org_code",), has_pin=True),
    "licence": TableSpec("licence", Licence.__table__, {}, ("person_id",)),
    "vehicle": TableSpec("vehicle", VEHICLE, {}, ("plate", "plate_type")),
    "violation": TableSpec("violation", Violation.__table__, {}, ("ref",)),
    "learner": TableSpec("learner", Learner.__table__, {}, ("person_id",)),
    "exam_plan": TableSpec("exam_plan", EXAM_PLAN, {"allocated_at": None}, ("plan_id",)),
    "inspection_slot": TableSpec("inspection_slot", InspectionSlot.__table__, {"booked": 0}, ("slot_id",)),
    "exam_result": TableSpec("exam_result", ExamResult.__table__, {}, ("person_id", "plan_id")),
    "notice_request": TableSpec("notice_request", NoticeRequest.__table__, {}, ("request_id",)),
    "announcement": TableSpec("announcement", Announcement.__table__, {}, ("announcement_id",)),
}

# Parents before children, so a chunk's references to records in the same chunk resolve.
ORDER = (
    "organisation",
    "person",
    "exam_plan",
    "inspection_slot",
    "licence",
    "learner",
    "vehicle",
    "violation",
    "exam_result",
    "notice_request",
    "announcement",
)


def one_of(session: Session, column: Column, values: Iterable[Any]) -> ColumnElement[bool]:
    """`column IN (values)`; on PostgreSQL as `= ANY(array)`, one parameter whatever the count, so the
    statement stays short and the driver can reuse its parsed form chunk after chunk."""
    values = list(values)
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)


def _rows(session: Session, statement) -> list[dict[str, Any]]:
    return [dict(row) for row in session.execute(statement).mappings()]


def existing(session: Session, kind: str, keys: Iterable[Any]) -> dict[Any, dict[str, Any]]:
    """The stored rows for these record keys, by key, with the contract-form references added."""
    keys = list(keys)
    if not keys:
        return {}
    table = SPECS[kind].table
    if kind in ("person", "organisation", "exam_plan", "inspection_slot", "violation", "notice_request",
                "announcement"):
        column = {
            "person": "id_number",
            "organisation": "org_code",
            "exam_plan": "plan_id",
            "inspection_slot": "slot_id",
            "violation": "ref",
            "notice_request": "request_id",
            "announcement": "announcement_id",
        }[kind]
        statement = select(table).where(one_of(session, table.c[column], keys))
        if kind == "violation":
            statement = select(table, VEHICLE.c.plate, VEHICLE.c.plate_type).join(
                VEHICLE, VEHICLE.c.id == table.c.vehicle_id
            ).where(one_of(session, table.c.ref, keys))
        return {row[column]: row for row in _rows(session, statement)}
    if kind in ("licence", "learner"):
        statement = (
            select(table, PERSON.c.id_number)
            .join(PERSON, PERSON.c.id == table.c.person_id)
            .where(one_of(session, PERSON.c.id_number, keys))
        )
        return {row["id_number"]: row for row in _rows(session, statement)}
    if kind == "vehicle":
        wanted = set(keys)
        statement = (
            select(table, PERSON.c.id_number.label("owner_id_number"), ORGANISATION.c.org_code.label("owner_org_code"))
            .outerjoin(PERSON, PERSON.c.id == table.c.owner_person_id)
            .outerjoin(ORGANISATION, ORGANISATION.c.id == table.c.owner_org_id)
            .where(one_of(session, table.c.plate, {plate for plate, _ in wanted}))
        )
        found = {}
        for row in _rows(session, statement):
            key = (row["plate"], row["plate_type"])
            if key not in wanted:
                continue
            person_key, org_key = row.pop("owner_id_number"), row.pop("owner_org_code")
            row["owner"] = person_key or org_key
            row["owner_kind"] = "person" if person_key else "organisation"
            found[key] = row
        return found
    if kind == "exam_result":
        wanted = set(keys)
        statement = (
            select(table, PERSON.c.id_number, EXAM_PLAN.c.plan_id.label("plan_key"))
            .join(PERSON, PERSON.c.id == table.c.person_id)
            .join(EXAM_PLAN, EXAM_PLAN.c.id == table.c.plan_id)
            .where(one_of(session, PERSON.c.id_number, {id_number for id_number, _ in wanted}))
        )
        return {
            (row["id_number"], row["plan_key"]): row
            for row in _rows(session, statement)
            if (row["id_number"], row["plan_key"]) in wanted
        }
    raise KeyError(kind)


class Resolver:
    """Looks up the ids of referenced records for one chunk, one query per target."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def people(self, keys: set[str]) -> dict[str, int]:
        if not keys:
            return {}
        statement = select(PERSON.c.id_number, PERSON.c.id).where(one_of(self.session, PERSON.c.id_number, keys))
        return dict(self.session.execute(statement).all())

    def organisations(self, keys: set[str]) -> dict[str, int]:
        if not keys:
            return {}
        statement = select(ORGANISATION.c.org_code, ORGANISATION.c.id).where(
            one_of(self.session, ORGANISATION.c.org_code, keys)
        )
        return dict(self.session.execute(statement).all())

    def vehicles(self, keys: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
        if not keys:
            return {}
        statement = select(VEHICLE.c.plate, VEHICLE.c.plate_type, VEHICLE.c.id).where(
            one_of(self.session, VEHICLE.c.plate, {plate for plate, _ in keys})
        )
        return {
            (plate, plate_type): vehicle_id
            for plate, plate_type, vehicle_id in self.session.execute(statement)
            if (plate, plate_type) in keys
        }

    def plans(self, keys: set[str]) -> dict[str, int]:
        if not keys:
            return {}
        statement = select(EXAM_PLAN.c.plan_id, EXAM_PLAN.c.id).where(one_of(self.session, EXAM_PLAN.c.plan_id, keys))
        return dict(self.session.execute(statement).all())
