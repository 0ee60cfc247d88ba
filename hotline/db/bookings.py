"""What people do through the hotline: exam applications and inspection bookings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.request_states import ApplicationStatus, BookingStatus
from .base import Base
from .records import ExamPlan, InspectionSlot, Person, Vehicle


class ExamApplication(Base):
    __tablename__ = "exam_application"
    __table_args__ = (
        Index("ix_exam_application_person_subject", "person_id", "subject"),
        Index("ix_exam_application_plan_status", "plan_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    plan_id: Mapped[int] = mapped_column(ForeignKey("exam_plan.id"))
    subject: Mapped[str] = mapped_column(String(4))
    status: Mapped[str] = mapped_column(String(12), default=ApplicationStatus.PENDING)
    sort_time: Mapped[datetime] = mapped_column()  # the rank at allocation (services/exams.py)
    applied_at: Mapped[datetime] = mapped_column()
    cancelled_at: Mapped[datetime | None] = mapped_column()
    allocated_at: Mapped[datetime | None] = mapped_column()
    channel: Mapped[str] = mapped_column(String(10))  # voice | sms | api

    person: Mapped[Person] = relationship()
    plan: Mapped[ExamPlan] = relationship()


class InspectionBooking(Base):
    __tablename__ = "inspection_booking"
    __table_args__ = (Index("ix_inspection_booking_vehicle_status", "vehicle_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicle.id"))
    slot_id: Mapped[int] = mapped_column(ForeignKey("inspection_slot.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default=BookingStatus.BOOKED)
    booked_at: Mapped[datetime] = mapped_column()
    cancelled_at: Mapped[datetime | None] = mapped_column()
    channel: Mapped[str] = mapped_column(String(10))

    vehicle: Mapped[Vehicle] = relationship()
    slot: Mapped[InspectionSlot] = relationship()
