"""Inspection booking: seats, one open booking per vehicle, the caller's own vehicles, cancel before start, and
only a vehicle that can be inspected now (Order 164 arts. 54, 55, 76)."""

from datetime import date, datetime

import pytest
from sqlalchemy import select

from hotline.clock import CHINA, at_china
from hotline.db import ChangeKind, InspectionSlot, OutboundChange, Vehicle
from hotline.services import inspections, queries
from hotline.services.errors import NotPermitted, Refusal
from hotline.services.identity import party_by_id_number
from tests.factories import inspection_slot, organisation, person, store, vehicle


def owner_with_vehicles(session, count=1, *, account="internet", **car):
    """A stored person with `count` vehicles (`car` overrides the factory's): their Party and the vehicles' ids."""
    p = person(account=account)
    cars = [vehicle(p, **car) for _ in range(count)]
    store(session, p, *cars)
    party = party_by_id_number(session, p["id_number"])
    return party, [vehicle_id(session, car) for car in cars]


def vehicle_id(session, car) -> int:
    return session.scalar(
        select(Vehicle.id).where(Vehicle.plate == car["plate"], Vehicle.plate_type == car["plate_type"])
    )


def new_slot(session, **overrides):
    slot = inspection_slot(**overrides)
    store(session, slot)
    return slot["slot_id"]


def booked(session, slot_id) -> int:
    session.expire_all()
    return session.scalar(select(InspectionSlot.booked).where(InspectionSlot.slot_id == slot_id))


def book(rt, session, party, vehicle, slot_id):
    return inspections.book(session, rt.clock, party, vehicle, slot_id, "voice")


def cancel(rt, session, party, booking_id):
    return inspections.cancel(session, rt.clock, party, booking_id, "sms")


def refusal(call, *args) -> Refusal:
    with pytest.raises(Refusal) as caught:
        call(*args)
    return caught.value


def changes(session, kind):
    return [
        c.payload
        for c in session.scalars(select(OutboundChange).where(OutboundChange.kind == kind).order_by(OutboundChange.id))
    ]


def test_booking_takes_a_seat_and_goes_to_the_change_feed(rt, session):
    party, [car] = owner_with_vehicles(session)
    slot_id = new_slot(session, capacity=3)
    view = book(rt, session, party, car, slot_id)
    assert view.status == "booked"
    assert view.slot_id == slot_id
    assert view.starts_at == datetime(2026, 12, 1, 9, 0, tzinfo=CHINA)
    assert view.cancellable
    assert booked(session, slot_id) == 1
    [payload] = changes(session, ChangeKind.INSPECTION_BOOKING)
    assert payload["slot_id"] == slot_id
    assert payload["plate"] == view.plate
    assert payload["status"] == "booked"
    assert payload["channel"] == "voice"
    assert [b.id for b in inspections.bookings(session, rt.clock, party)] == [view.id]


def test_a_full_slot_refuses(rt, session):
    party, cars = owner_with_vehicles(session, 3)
    slot_id = new_slot(session, capacity=2)
    book(rt, session, party, cars[0], slot_id)
    book(rt, session, party, cars[1], slot_id)
    refused = refusal(book, rt, session, party, cars[2], slot_id)
    assert (refused.code, refused.facts) == ("slot_full", {"slot_id": slot_id})
    assert booked(session, slot_id) == 2


def test_a_slot_that_has_started_cannot_be_booked(rt, session):
    party, [car] = owner_with_vehicles(session)
    slot_id = new_slot(session, starts_at="2026-11-24T10:00:00+08:00", ends_at="2026-11-24T11:00:00+08:00")
    refused = refusal(book, rt, session, party, car, slot_id)
    assert refused.code == "slot_started"
    assert refused.facts["starts_at"] == datetime(2026, 11, 24, 10, 0, tzinfo=CHINA)


def test_an_unknown_slot(rt, session):
    party, [car] = owner_with_vehicles(session)
    assert refusal(book, rt, session, party, car, "NO-SUCH-SLOT").code == "no_such_slot"


def test_one_open_booking_per_vehicle(rt, session):
    party, [car] = owner_with_vehicles(session)
    first = book(rt, session, party, car, new_slot(session))
    later_slot = new_slot(session, starts_at="2026-12-02T09:00:00+08:00", ends_at="2026-12-02T10:00:00+08:00")
    refused = refusal(book, rt, session, party, car, later_slot)
    assert refused.code == "already_booked"
    assert refused.facts["booking_id"] == first.id
    # Once that slot has started the booking is no longer open: the vehicle may book again.
    rt.clock.set(at_china(date(2026, 12, 1), 9, 30))
    assert book(rt, session, party, car, later_slot).status == "booked"


def test_another_persons_vehicle_is_refused(rt, session):
    party, _ = owner_with_vehicles(session)
    _, [theirs] = owner_with_vehicles(session)
    refused = refusal(book, rt, session, party, theirs, new_slot(session))
    assert (refused.code, refused.facts) == ("not_your_vehicle", {"vehicle_id": theirs})
    assert refusal(book, rt, session, party, 999999, new_slot(session)).code == "not_your_vehicle"


def test_an_organisation_books_its_own_vehicles(rt, session):
    org = organisation()
    fleet = vehicle(org)
    store(session, org, fleet)
    party = party_by_id_number(session, org["org_code"])
    _, [someone_elses] = owner_with_vehicles(session)
    slot_id = new_slot(session)
    view = book(rt, session, party, vehicle_id(session, fleet), slot_id)
    assert view.plate == fleet["plate"]
    assert refusal(book, rt, session, party, someone_elses, slot_id).code == "not_your_vehicle"
    assert [b.id for b in inspections.bookings(session, rt.clock, party)] == [view.id]


def test_an_unregistered_person_is_told_to_register(rt, session):
    party, [car] = owner_with_vehicles(session, account="none")
    refused = refusal(book, rt, session, party, car, new_slot(session))
    assert isinstance(refused, NotPermitted)
    assert refused.code == "register_first"


def test_cancel_gives_the_seat_back(rt, session):
    party, cars = owner_with_vehicles(session, 2)
    slot_id = new_slot(session, capacity=1)
    view = book(rt, session, party, cars[0], slot_id)
    session.commit()
    assert refusal(book, rt, session, party, cars[1], slot_id).code == "slot_full"
    rt.clock.advance(hours=1)
    cancelled = cancel(rt, session, party, view.id)
    assert cancelled.status == "cancelled"
    assert cancelled.cancelled_at == rt.clock.now()
    assert not cancelled.cancellable
    assert booked(session, slot_id) == 0
    [payload] = changes(session, ChangeKind.INSPECTION_CANCELLATION)
    assert (payload["booking_id"], payload["status"], payload["channel"]) == (view.id, "cancelled", "sms")
    assert inspections.bookings(session, rt.clock, party) == []
    assert book(rt, session, party, cars[1], slot_id).status == "booked"


def test_no_cancel_once_the_slot_has_started(rt, session):
    party, [car] = owner_with_vehicles(session)
    slot_id = new_slot(session)
    view = book(rt, session, party, car, slot_id)
    rt.clock.set(at_china(date(2026, 12, 1), 9, 0))
    assert refusal(cancel, rt, session, party, view.id).code == "slot_started"
    assert booked(session, slot_id) == 1


def test_cancel_twice(rt, session):
    party, [car] = owner_with_vehicles(session)
    slot_id = new_slot(session)
    view = book(rt, session, party, car, slot_id)
    cancel(rt, session, party, view.id)
    assert refusal(cancel, rt, session, party, view.id).code == "already_cancelled"
    assert booked(session, slot_id) == 0


def test_nobody_cancels_someone_elses_booking(rt, session):
    owner, [car] = owner_with_vehicles(session)
    other, _ = owner_with_vehicles(session)
    view = book(rt, session, owner, car, new_slot(session))
    assert refusal(cancel, rt, session, other, view.id).code == "no_such_booking"
    assert refusal(cancel, rt, session, owner, 999999).code == "no_such_booking"


def test_open_slots_shows_seats_left_and_hides_full_and_started_slots(rt, session):
    party, [car] = owner_with_vehicles(session)
    later = new_slot(session, capacity=4, starts_at="2026-12-02T09:00:00+08:00", ends_at="2026-12-02T10:00:00+08:00")
    sooner = new_slot(session, capacity=2)
    full = new_slot(session, capacity=1, station_code="JC02", station_name="厦门集美机动车检测站")
    new_slot(session, starts_at="2026-11-24T09:00:00+08:00", ends_at="2026-11-24T10:00:00+08:00")  # started
    book(rt, session, party, car, full)

    slots = inspections.open_slots(session, rt.clock)
    assert [s.slot_id for s in slots] == [sooner, later]
    assert [(s.capacity, s.booked, s.seats_left) for s in slots] == [(2, 0, 2), (4, 0, 4)]
    assert [s.slot_id for s in inspections.open_slots(session, rt.clock, limit=1)] == [sooner]
    assert inspections.open_slots(session, rt.clock, station_code="JC02") == []


# --- which vehicles can be inspected now (Order 164, 机动车登记规定) -----------------------------------


def refused_everywhere(rt, session, party, car) -> Refusal:
    """The refusal of `book`, which `check_bookable` gives too; no seat is taken."""
    slot_id = new_slot(session)
    refused = refusal(book, rt, session, party, car, slot_id)
    assert refusal(inspections.check_bookable, session, rt.clock, party, car).code == refused.code
    assert booked(session, slot_id) == 0
    return refused


def test_order164_art76_a_stolen_vehicle_books_nothing(rt, session):
    party, [car] = owner_with_vehicles(session, status="GC")  # stolen, with an unhandled violation too
    refused = refused_everywhere(rt, session, party, car)
    assert refused.code == "vehicle_stolen"
    assert refused.facts["status"] == "C"


@pytest.mark.parametrize(("status", "code"), [
    ("E", "vehicle_deregistered"), ("M", "vehicle_deregistered"), ("P", "vehicle_scrapped"),
    ("K", "vehicle_sealed"), ("B", "vehicle_transferred_out"), ("KC", "vehicle_stolen"),
])
def test_order164_a_deregistered_scrapped_sealed_or_transferred_vehicle_cannot_be_inspected(rt, session, status,
                                                                                             code):
    party, [car] = owner_with_vehicles(session, status=status)
    assert refused_everywhere(rt, session, party, car).code == code


@pytest.mark.parametrize("status", ["A", "G", "D", "Q", "AG"])
def test_order164_other_statuses_may_book(rt, session, status):
    party, [car] = owner_with_vehicles(session, status=status)
    inspections.check_bookable(session, rt.clock, party, car)
    assert book(rt, session, party, car, new_slot(session)).status == "booked"


def test_order164_art55_an_inspection_exempt_car_applies_for_the_label_and_books_no_test(rt, session):
    # A private K33 in its fourth year: no station test, the label is applied for (art. 55).
    party, [car] = owner_with_vehicles(session, registered_on="2023-02-10", inspection_valid_until="2027-02-28")
    refused = refused_everywhere(rt, session, party, car)
    assert (refused.code, refused.facts["valid_until"], refused.facts["opens"]) == (
        "inspection_exempt", date(2027, 2, 28), date(2026, 11, 28))
    [view] = queries.vehicles(session, rt.clock, party)
    assert view.inspection_exempt and view.inspection_refusal == "inspection_exempt"
    # The same car in its sixth year is tested at a station: it books.
    party, [sixth_year] = owner_with_vehicles(session, registered_on="2021-01-10", inspection_valid_until="2027-01-31")
    assert book(rt, session, party, sixth_year, new_slot(session)).status == "booked"


def test_order164_art54_booking_opens_three_months_before_the_inspection_runs_out(rt, session):
    # Inspected until 31 May 2027 (its tenth year, a station test): three months before is 28 February.
    party, [car] = owner_with_vehicles(session, registered_on="2017-05-10", inspection_valid_until="2027-05-31")
    refused = refused_everywhere(rt, session, party, car)
    assert (refused.code, refused.facts["opens"], refused.facts["valid_until"]) == (
        "inspection_too_early", date(2027, 2, 28), date(2027, 5, 31))
    [view] = queries.vehicles(session, rt.clock, party)
    assert (view.inspection_refusal, view.inspection_opens, view.inspection_exempt) == (
        "inspection_too_early", date(2027, 2, 28), False)

    rt.clock.set(at_china(date(2027, 2, 27), 23, 59))
    assert refusal(inspections.check_bookable, session, rt.clock, party, car).code == "inspection_too_early"
    rt.clock.set(at_china(date(2027, 2, 28), 0, 0))  # 以内 includes the day itself (art. 92)
    slot_id = new_slot(session, starts_at="2027-03-01T09:00:00+08:00", ends_at="2027-03-01T10:00:00+08:00")
    assert book(rt, session, party, car, slot_id).status == "booked"


def test_order164_art54_an_overdue_car_books_at_once(rt, session):
    party, [car] = owner_with_vehicles(session, registered_on="2010-03-01", inspection_valid_until="2026-10-31")
    assert book(rt, session, party, car, new_slot(session)).status == "booked"
