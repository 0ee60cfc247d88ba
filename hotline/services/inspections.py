"""Vehicle inspection booking (检验预约): a vehicle, a station's time slot, a seat.

Rules:
- a slot never holds more vehicles than its capacity: `InspectionSlot.booked` moves only through the
  conditional `UPDATE inspection_slot SET booked = booked + 1 WHERE id = :id AND booked < capacity`, and a
  booking exists only where that statement changed a row. The database serialises the updates of one
  row (PostgreSQL re-checks the WHERE against the committed row; SQLite runs one writer at a time, its
  transactions begun IMMEDIATE with a busy timeout), so under any concurrency the losers see no row
  changed and hear `slot_full`, never a database error. The table's CHECK (booked <= capacity) is the last
  line of defence, not the mechanism;
- one open booking per vehicle (open: booked, and the slot has not started). The vehicle row is locked
  (FOR UPDATE) first, so two bookings for one vehicle are checked one after the other;
- the vehicle must belong to the caller: a person's own vehicle, or an organisation's vehicle for the
  organisation (organisations are window-registered);
- only a vehicle the station can inspect now is booked (domain/inspection_rules.py, Order 164): not one
  stolen (art. 76), deregistered, scrapped, sealed up or transferred out; not an inspection-exempt car,
  which applies for the label instead (art. 55); and not before the three months ahead of its
  inspection date (art. 54);
- a booking can be cancelled until its slot starts; the seat goes back to the slot.

Lock order, the same everywhere: vehicle row, then booking row, then slot row (no deadlocks).
Services run in the caller's transaction and never commit.

Refusal codes and their facts:
- `register_first` (NotPermitted, facts action and account; raised by services/access.py): a person at
  account level `none`, from every function that takes a party (the slots alone are public information)
- `not_your_vehicle` (vehicle_id): no such vehicle, or not the caller's (the same answer for both)
- `vehicle_stolen`, `vehicle_deregistered`, `vehicle_scrapped`, `vehicle_sealed`, `vehicle_transferred_out`
  (plate, status): the vehicle's status keeps it from being inspected
- `inspection_exempt` (plate, valid_until, opens): apply for the label, no test to book
- `inspection_too_early` (plate, valid_until, opens): booking opens on `opens`
- `no_such_slot` (slot_id)
- `slot_started` (slot_id, starts_at): the slot has begun (booking or cancelling)
- `slot_full` (slot_id)
- `already_booked` (booking_id, slot_id, starts_at): the vehicle has an open booking
- `no_such_booking` (booking_id): none, or not the caller's
- `already_cancelled` (booking_id)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..clock import Clock, china_today
from ..db import ChangeKind, InspectionBooking, InspectionSlot, Vehicle
from ..domain.inspection_rules import why_not_bookable
from ..domain.refusals import RefusalCode
from ..domain.request_states import BookingStatus
from . import queries
from .access import Action, require
from .changefeed import record_change
from .errors import Refusal
from .queries import VehicleView, owned_by

if TYPE_CHECKING:
    from .identity import Party

__all__ = [
    "BookingView", "SlotView", "book", "bookable_slots", "bookings", "cancel", "check_bookable", "open_slots",
    "vehicles",
]


@dataclass(frozen=True)
class SlotView:
    slot_id: str
    station_code: str
    station_name: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    booked: int

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.booked, 0)


@dataclass(frozen=True)
class BookingView:
    id: int
    vehicle_id: int
    plate: str
    plate_type: str
    slot_id: str
    station_name: str
    starts_at: datetime
    ends_at: datetime
    status: str  # BookingStatus
    booked_at: datetime
    cancelled_at: datetime | None
    cancellable: bool  # booked and the slot not yet started


def open_slots(session: Session, clock: Clock, limit: int = 20, station_code: str | None = None) -> list[SlotView]:
    """Slots not yet started with seats left, soonest first."""
    query = select(InspectionSlot).where(
        InspectionSlot.starts_at > clock.now(), InspectionSlot.booked < InspectionSlot.capacity
    )
    if station_code:
        query = query.where(InspectionSlot.station_code == station_code)
    query = query.order_by(InspectionSlot.starts_at, InspectionSlot.slot_id).limit(limit)
    return [_slot_view(s) for s in session.scalars(query)]


def bookable_slots(
    session: Session, clock: Clock, party: Party, vehicle_id: int | None = None, limit: int = 20
) -> list[SlotView]:
    """The slots to offer `party` for booking, soonest first. With a vehicle, a car that cannot be inspected
    now raises its refusal before any time is offered (Order 164). Raises NotPermitted like `book`."""
    require(party, Action.INSPECTION_BOOKING)
    if vehicle_id is not None:
        check_bookable(session, clock, party, vehicle_id)
    return open_slots(session, clock, limit=limit)


def vehicles(session: Session, clock: Clock, party: Party) -> list[VehicleView]:
    """The party's vehicles as booking sees them (each with why it cannot be inspected now, if so).
    Raises NotPermitted like `book`: the list is the first step of a booking."""
    require(party, Action.INSPECTION_BOOKING)
    return queries.vehicles(session, clock, party)


def bookings(session: Session, clock: Clock, party: Party, include_past: bool = False) -> list[BookingView]:
    """The party's bookings: by default the open ones (booked, slot not started), soonest first. Raises
    NotPermitted like `book`."""
    require(party, Action.INSPECTION_BOOKING)
    query = (select(InspectionBooking).join(InspectionSlot, InspectionBooking.slot_id == InspectionSlot.id)
             .join(Vehicle, InspectionBooking.vehicle_id == Vehicle.id).where(owned_by(party)))
    if not include_past:
        query = query.where(InspectionBooking.status == BookingStatus.BOOKED, InspectionSlot.starts_at > clock.now())
    query = query.order_by(InspectionSlot.starts_at, InspectionBooking.id)
    return [_booking_view(b, clock) for b in session.scalars(query)]


def check_bookable(session: Session, clock: Clock, party: Party, vehicle_id: int) -> None:
    """Raise the Refusal `book` would give this vehicle whatever the slot: the channels ask before they
    offer slots, so nobody chooses a time only to hear the car cannot be inspected."""
    require(party, Action.INSPECTION_BOOKING)
    vehicle = session.scalars(select(Vehicle).where(Vehicle.id == vehicle_id, owned_by(party))).first()
    if vehicle is None:
        raise Refusal(RefusalCode.NOT_YOUR_VEHICLE, vehicle_id=vehicle_id)
    _refuse_unbookable(vehicle, clock)


def book(session: Session, clock: Clock, party: Party, vehicle_id: int, slot_id: str, channel: str) -> BookingView:
    """Book a seat in a slot for one of the party's vehicles. Raises Refusal."""
    require(party, Action.INSPECTION_BOOKING)
    now = clock.now()
    vehicle = _lock_vehicle(session, party, vehicle_id)
    _refuse_unbookable(vehicle, clock)  # Order 164 arts. 54, 55, 76
    slot = session.scalars(select(InspectionSlot).where(InspectionSlot.slot_id == slot_id)).first()
    if slot is None:
        raise Refusal(RefusalCode.NO_SUCH_SLOT, slot_id=slot_id)
    if slot.starts_at <= now:
        raise Refusal(RefusalCode.SLOT_STARTED, slot_id=slot.slot_id, starts_at=slot.starts_at)
    existing = session.scalars(
        select(InspectionBooking).join(InspectionSlot, InspectionBooking.slot_id == InspectionSlot.id)
        .where(InspectionBooking.vehicle_id == vehicle_id, InspectionBooking.status == BookingStatus.BOOKED,
               InspectionSlot.starts_at > now)
    ).first()
    if existing is not None:
        raise Refusal(RefusalCode.ALREADY_BOOKED, booking_id=existing.id, slot_id=existing.slot.slot_id,
                      starts_at=existing.slot.starts_at)

    taken = session.execute(
        update(InspectionSlot)
        .where(InspectionSlot.id == slot.id, InspectionSlot.booked < InspectionSlot.capacity)
        .values(booked=InspectionSlot.booked + 1)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        raise Refusal(RefusalCode.SLOT_FULL, slot_id=slot.slot_id)
    session.expire(slot, ["booked"])

    booking = InspectionBooking(vehicle_id=vehicle_id, slot_id=slot.id, status=BookingStatus.BOOKED,
                                booked_at=now, channel=channel)
    session.add(booking)
    session.flush()
    record_change(session, ChangeKind.INSPECTION_BOOKING, _payload(booking, channel), now)
    return _booking_view(booking, clock)


def cancel(session: Session, clock: Clock, party: Party, booking_id: int, channel: str) -> BookingView:
    """Cancel an open booking before its slot starts; the seat goes back. Raises Refusal."""
    require(party, Action.INSPECTION_BOOKING)
    now = clock.now()
    booking = session.get(InspectionBooking, booking_id)
    if booking is None:
        raise Refusal(RefusalCode.NO_SUCH_BOOKING, booking_id=booking_id)
    try:
        _lock_vehicle(session, party, booking.vehicle_id)
    except Refusal:
        raise Refusal(RefusalCode.NO_SUCH_BOOKING, booking_id=booking_id) from None
    session.refresh(booking, with_for_update=True)
    if booking.status == BookingStatus.CANCELLED:
        raise Refusal(RefusalCode.ALREADY_CANCELLED, booking_id=booking_id)
    if booking.slot.starts_at <= now:
        raise Refusal(RefusalCode.SLOT_STARTED, slot_id=booking.slot.slot_id, starts_at=booking.slot.starts_at)

    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = now
    session.flush()
    session.execute(
        update(InspectionSlot)
        .where(InspectionSlot.id == booking.slot_id, InspectionSlot.booked > 0)
        .values(booked=InspectionSlot.booked - 1)
        .execution_options(synchronize_session=False)
    )
    session.expire(booking.slot, ["booked"])
    record_change(session, ChangeKind.INSPECTION_CANCELLATION, _payload(booking, channel), now)
    return _booking_view(booking, clock)


def _refuse_unbookable(vehicle: Vehicle, clock: Clock) -> None:
    """Raise the Refusal that says why the station cannot inspect `vehicle` now, if it cannot."""
    why = why_not_bookable(vehicle, china_today(clock))
    if why is not None:
        code, facts = why
        raise Refusal(code, **facts)


def _lock_vehicle(session: Session, party: Party, vehicle_id: int) -> Vehicle:
    vehicle = session.scalars(
        select(Vehicle).where(Vehicle.id == vehicle_id, owned_by(party))
        .with_for_update().execution_options(populate_existing=True)
    ).first()
    if vehicle is None:
        raise Refusal(RefusalCode.NOT_YOUR_VEHICLE, vehicle_id=vehicle_id)
    return vehicle


def _slot_view(slot: InspectionSlot) -> SlotView:
    return SlotView(slot_id=slot.slot_id, station_code=slot.station_code, station_name=slot.station_name,
                    starts_at=slot.starts_at, ends_at=slot.ends_at, capacity=slot.capacity, booked=slot.booked)


def _booking_view(booking: InspectionBooking, clock: Clock) -> BookingView:
    slot, vehicle = booking.slot, booking.vehicle
    return BookingView(
        id=booking.id, vehicle_id=vehicle.id, plate=vehicle.plate, plate_type=vehicle.plate_type,
        slot_id=slot.slot_id, station_name=slot.station_name, starts_at=slot.starts_at, ends_at=slot.ends_at,
        status=booking.status, booked_at=booking.booked_at, cancelled_at=booking.cancelled_at,
        cancellable=booking.status == BookingStatus.BOOKED and slot.starts_at > clock.now(),
    )


def _payload(booking: InspectionBooking, channel: str) -> dict:
    slot, vehicle = booking.slot, booking.vehicle
    return {
        "booking_id": booking.id,
        "slot_id": slot.slot_id,
        "station_code": slot.station_code,
        "plate": vehicle.plate,
        "plate_type": vehicle.plate_type,
        "status": booking.status,
        "booked_at": booking.booked_at.isoformat(),
        "cancelled_at": booking.cancelled_at.isoformat() if booking.cancelled_at else None,
        "channel": channel,
    }
