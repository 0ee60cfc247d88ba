"""The upstream records (docs/records.md), as stored by the hotline.

Keys are the contract's keys (id_number, org_code, plate + plate_type, ref, plan_id, slot_id, request_id);
rows also carry an integer primary key for joins. `upstream_updated_at` is the record's own `updated_at`,
used to skip stale copies. Columns marked *derived* are computed from the record on every upsert so that
the daily notice scan is a handful of indexed range queries.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base


class Person(Base):
    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    id_number: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(30))
    phone: Mapped[str] = mapped_column(String(20), index=True)  # E.164
    account: Mapped[str] = mapped_column(String(10), default="none")  # none | internet | window
    # The hotline owns the reply language once set; a record's `language` only seeds it.
    language: Mapped[str] = mapped_column(String(5), default="zh-CN")
    pin_hash: Mapped[str | None] = mapped_column(String(200))
    birth_date: Mapped[date] = mapped_column()  # derived from the ID number
    turns_63_on: Mapped[date] = mapped_column(index=True)  # derived: the A/B-class age limit (D16)
    upstream_updated_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()
    modified_at: Mapped[datetime] = mapped_column()

    licence: Mapped[Licence | None] = relationship(back_populates="holder", uselist=False)
    learner: Mapped[Learner | None] = relationship(back_populates="person", uselist=False)
    vehicles: Mapped[list[Vehicle]] = relationship(back_populates="owner_person")


class Organisation(Base):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(20), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(5), default="zh-CN")
    pin_hash: Mapped[str | None] = mapped_column(String(200))
    upstream_updated_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()
    modified_at: Mapped[datetime] = mapped_column()

    vehicles: Mapped[list[Vehicle]] = relationship(back_populates="owner_org")


class Licence(Base):
    __tablename__ = "licence"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), unique=True)
    file_number: Mapped[str] = mapped_column(String(12))
    classes: Mapped[list] = mapped_column()
    status: Mapped[str] = mapped_column(String(26))  # status letters, e.g. "A" or "HM"
    first_issued: Mapped[date] = mapped_column()
    valid_until: Mapped[date | None] = mapped_column(index=True)  # None: long-term (长期)
    points: Mapped[int] = mapped_column(Integer)
    carried_points: Mapped[int] = mapped_column(Integer, default=0)
    probation_until: Mapped[date | None] = mapped_column()
    probation_classes: Mapped[list | None] = mapped_column()
    review_due: Mapped[date | None] = mapped_column(index=True)
    physical_due: Mapped[date | None] = mapped_column(index=True)
    extension_until: Mapped[date | None] = mapped_column(index=True)
    age_extension_until: Mapped[date | None] = mapped_column()
    # The points with which the scoring cycle ending on `previous_cycle_end` closed: sent by the upstream, or
    # kept from the copy stored before a record of the new cycle replaced it. The review of Order 162
    # art. 72 (D05/D06) is decided by the ended cycle, when the record already holds the new one.
    previous_cycle_points: Mapped[int | None] = mapped_column(Integer)
    previous_cycle_end: Mapped[date | None] = mapped_column()
    # derived: "MMDD" of first_issued; a scoring cycle ends the day before each anniversary.
    cycle_anniversary: Mapped[str] = mapped_column(String(4), index=True)
    # derived: holds any of A1 A2 A3 B1 B2 (review, D05/D07; age limit, D16)
    has_ab_class: Mapped[bool] = mapped_column(Boolean, default=False)
    upstream_updated_at: Mapped[datetime | None] = mapped_column()
    modified_at: Mapped[datetime] = mapped_column()

    holder: Mapped[Person] = relationship(back_populates="licence")


class Vehicle(Base):
    __tablename__ = "vehicle"
    __table_args__ = (
        UniqueConstraint("plate", "plate_type", name="uq_vehicle_plate"),
        CheckConstraint(
            "(owner_person_id IS NULL) <> (owner_org_id IS NULL)", name="one_owner"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plate: Mapped[str] = mapped_column(String(8))
    plate_type: Mapped[str] = mapped_column(String(2))
    owner_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    owner_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    vin: Mapped[str] = mapped_column(String(17))
    engine_last6: Mapped[str | None] = mapped_column(String(6))
    use: Mapped[str] = mapped_column(String(10), default="private")
    vehicle_kind: Mapped[str | None] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(26))
    registered_on: Mapped[date] = mapped_column()
    inspection_valid_until: Mapped[date] = mapped_column(index=True)
    scrap_deadline: Mapped[date | None] = mapped_column(index=True)
    upstream_updated_at: Mapped[datetime | None] = mapped_column()
    modified_at: Mapped[datetime] = mapped_column()

    owner_person: Mapped[Person | None] = relationship(back_populates="vehicles")
    owner_org: Mapped[Organisation | None] = relationship(back_populates="vehicles")
    violations: Mapped[list[Violation]] = relationship(back_populates="vehicle")


class Violation(Base):
    __tablename__ = "violation"
    __table_args__ = (Index("ix_violation_open", "vehicle_id", "handled", "paid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(40), unique=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicle.id"))
    occurred_at: Mapped[datetime] = mapped_column()
    recorded_at: Mapped[datetime] = mapped_column()
    location: Mapped[str] = mapped_column(Text)
    code: Mapped[str] = mapped_column(String(5))
    description: Mapped[str] = mapped_column(Text)
    fine_fen: Mapped[int] = mapped_column(Integer)  # records carry whole yuan; fen inside the hotline
    points: Mapped[int] = mapped_column(Integer)
    handled: Mapped[bool] = mapped_column(Boolean)
    decided_at: Mapped[datetime | None] = mapped_column()
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    paid: Mapped[bool] = mapped_column(Boolean)
    driver_id_number: Mapped[str | None] = mapped_column(String(18), index=True)  # a driver's own violations
    # Recorded by a traffic-technology monitoring device (非现场, art. 19), not by an officer on the spot.
    camera: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    decision_number: Mapped[str | None] = mapped_column(String(40))  # 处罚决定书编号, once handled
    payment_reference: Mapped[str | None] = mapped_column(String(40))  # 缴款编号, once handled
    # The upstream's answer to a request made on the hotline (violation_request.id) and its outcome.
    request_id: Mapped[int | None] = mapped_column(Integer)
    request_outcome: Mapped[str | None] = mapped_column(String(10))
    deferred_until: Mapped[date | None] = mapped_column()
    # derived: first China date on which the late fee accrues (decision date + 15 days + 1), W05
    late_fee_from: Mapped[date | None] = mapped_column(index=True)
    upstream_updated_at: Mapped[datetime | None] = mapped_column()
    modified_at: Mapped[datetime] = mapped_column()

    vehicle: Mapped[Vehicle] = relationship(back_populates="violations")


class Learner(Base):
    __tablename__ = "learner"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), unique=True)
    licence_class: Mapped[str] = mapped_column(String(3))
    applied_at: Mapped[datetime] = mapped_column()
    permit_issued: Mapped[date | None] = mapped_column()
    permit_expires: Mapped[date | None] = mapped_column(index=True)  # derived: issue + 3 years
    passed: Mapped[dict] = mapped_column(default=dict)  # subject -> "YYYY-MM-DD"
    attempts: Mapped[dict] = mapped_column(default=dict)  # subject -> bookings used before this record
    upstream_updated_at: Mapped[datetime | None] = mapped_column()
    modified_at: Mapped[datetime] = mapped_column()

    person: Mapped[Person] = relationship(back_populates="learner")


class ExamPlan(Base):
    __tablename__ = "exam_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[str] = mapped_column(String(40), unique=True)
    subject: Mapped[str] = mapped_column(String(4))  # KM1 KM2 KM3 KM3W
    classes: Mapped[list] = mapped_column()
    site_code: Mapped[str] = mapped_column(String(20))
    site_name: Mapped[str] = mapped_column(String(100))
    date: Mapped[date] = mapped_column(index=True)
    session: Mapped[str] = mapped_column(String(2))  # AM | PM
    capacity: Mapped[int] = mapped_column(Integer)
    booking_closes_at: Mapped[datetime] = mapped_column(index=True)
    # Set once, by the allocation job, in the same transaction as the results.
    allocated_at: Mapped[datetime | None] = mapped_column()
    upstream_updated_at: Mapped[datetime | None] = mapped_column()
    modified_at: Mapped[datetime] = mapped_column()


class InspectionSlot(Base):
    __tablename__ = "inspection_slot"
    __table_args__ = (CheckConstraint("booked <= capacity", name="not_overfilled"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[str] = mapped_column(String(40), unique=True)
    station_code: Mapped[str] = mapped_column(String(20))
    station_name: Mapped[str] = mapped_column(String(100))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime] = mapped_column()
    capacity: Mapped[int] = mapped_column(Integer)
    # Seats taken, moved only by a conditional UPDATE (see services/inspections.py), so a slot can never
    # hold more than its capacity whatever the concurrency; the CHECK is the last line of defence.
    booked: Mapped[int] = mapped_column(Integer, default=0)
    upstream_updated_at: Mapped[datetime | None] = mapped_column()
    modified_at: Mapped[datetime] = mapped_column()


class ExamResult(Base):
    __tablename__ = "exam_result"
    __table_args__ = (UniqueConstraint("person_id", "plan_id", name="uq_exam_result_person_plan"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    plan_id: Mapped[int] = mapped_column(ForeignKey("exam_plan.id"), index=True)
    result: Mapped[str] = mapped_column(String(6))  # pass | fail | absent
    score: Mapped[int | None] = mapped_column(Integer)
    upstream_updated_at: Mapped[datetime | None] = mapped_column()
    modified_at: Mapped[datetime] = mapped_column()


class NoticeRequest(Base):
    __tablename__ = "notice_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[str] = mapped_column(String(60), unique=True)
    kind: Mapped[str] = mapped_column(String(3))
    # The recipient as the record named it: "person" / "organisation" / "vehicle" and the key.
    to_kind: Mapped[str] = mapped_column(String(12))
    to_key: Mapped[str] = mapped_column(String(40))  # id_number, org_code, or "plate/plate_type"
    data: Mapped[dict] = mapped_column()
    upstream_updated_at: Mapped[datetime | None] = mapped_column()
    modified_at: Mapped[datetime] = mapped_column()
