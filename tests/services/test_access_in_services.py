"""The account table of ARCHITECTURE.md ("Who is calling, and what they may do") enforced by the services
themselves: every entry point that takes a party is called directly, with no channel in front of it, and
refuses an account level the table does not allow, leaving every record as it was. A new channel cannot
forget the check: there is nothing for it to remember.

The party is real: a person who booked an inspection and applied for an exam while registered online, and
whose record now says account level `none` (the upstream's record wins), or an organisation."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from hotline.db import ExamApplication, InspectionBooking
from hotline.services import exams, inspections, licence_extensions, queries
from hotline.services.errors import NotPermitted
from hotline.services.identity import Party, party_by_id_number
from tests.factories import (
    exam_plan,
    inspection_slot,
    learner,
    licence,
    organisation,
    person,
    store,
    vehicle,
    violation,
)


@dataclass
class World:
    party: Party
    vehicle_id: int
    slot_id: str
    booking_id: int
    plan_id: str
    application_id: int


@pytest.fixture
def unregistered(rt, session) -> World:
    """A person with a licence, a car with a violation, a learner record, an inspection booking and an exam
    application, all made at level `internet`; then the upstream says the account is `none`."""
    record = person(account="internet")
    car = vehicle(record)
    slot, plan = inspection_slot(), exam_plan()
    store(session, record, licence(record), car, violation(car), learner(record), slot, plan)
    registered = party_by_id_number(session, record["id_number"])
    [mine] = queries.vehicles(session, rt.clock, registered)
    booking = inspections.book(session, rt.clock, registered, mine.id, slot["slot_id"], "sms")
    application = exams.apply(session, rt.clock, rt.calendar, rt.settings, registered, plan["plan_id"], "sms")
    session.commit()
    store(session, {**record, "account": "none"})
    party = party_by_id_number(session, record["id_number"])
    assert party.account == "none"
    return World(party, mine.id, slot["slot_id"], booking.id, plan["plan_id"], application.id)


@pytest.fixture
def firm(rt, session) -> World:
    """An organisation (window-registered) with a lorry, next to an open exam plan."""
    record = organisation()
    lorry = vehicle(record)
    slot, plan = inspection_slot(), exam_plan()
    store(session, record, lorry, slot, plan)
    party = party_by_id_number(session, record["org_code"])
    [mine] = queries.vehicles(session, rt.clock, party)
    return World(party, mine.id, slot["slot_id"], 0, plan["plan_id"], 0)


def refused(call) -> NotPermitted:
    with pytest.raises(NotPermitted) as caught:
        call()
    return caught.value


# Each entry point as the table's row names it, called the way any channel would call it.
OWN_QUERIES = {
    "licence_status": lambda rt, s, w: queries.licence_status(s, rt.clock, w.party),
    "vehicles": lambda rt, s, w: queries.vehicles(s, rt.clock, w.party),
    "violations": lambda rt, s, w: queries.violations(s, rt.clock, w.party),
}
INSPECTION_BOOKING = {
    "vehicles": lambda rt, s, w: inspections.vehicles(s, rt.clock, w.party),
    "bookings": lambda rt, s, w: inspections.bookings(s, rt.clock, w.party),
    "bookable_slots": lambda rt, s, w: inspections.bookable_slots(s, rt.clock, w.party),
    "bookable_slots_for_a_car": lambda rt, s, w: inspections.bookable_slots(s, rt.clock, w.party, w.vehicle_id),
    "check_bookable": lambda rt, s, w: inspections.check_bookable(s, rt.clock, w.party, w.vehicle_id),
    "book": lambda rt, s, w: inspections.book(s, rt.clock, w.party, w.vehicle_id, w.slot_id, "sms"),
    "cancel": lambda rt, s, w: inspections.cancel(s, rt.clock, w.party, w.booking_id, "sms"),
}
EXAM_APPLICATION = {
    "offer": lambda rt, s, w: exams.offer(s, rt.clock, rt.settings, w.party),
    "applications": lambda rt, s, w: exams.applications(s, rt.clock, w.party, rt.calendar),
    "apply": lambda rt, s, w: exams.apply(s, rt.clock, rt.calendar, rt.settings, w.party, w.plan_id, "sms"),
    "cancel": lambda rt, s, w: exams.cancel(s, rt.clock, rt.calendar, w.party, w.application_id, "sms"),
}


def unchanged(session, world: World) -> None:
    """The refusal wrote nothing: the booking and the application made before are as they were."""
    session.rollback()
    assert session.scalar(select(InspectionBooking.status).where(InspectionBooking.id == world.booking_id)) == "booked"
    assert session.scalar(select(ExamApplication.status).where(ExamApplication.id == world.application_id)) == "pending"


@pytest.mark.parametrize("entry", list(OWN_QUERIES))
def test_account_table_own_queries_at_level_none_are_told_to_register(rt, session, unregistered, entry):
    refusal = refused(lambda: OWN_QUERIES[entry](rt, session, unregistered))
    assert (refusal.code, refusal.facts) == ("register_first", {"action": "own_queries", "account": "none"})


@pytest.mark.parametrize("entry", list(INSPECTION_BOOKING))
def test_account_table_inspection_booking_and_cancelling_refused_at_level_none(rt, session, unregistered, entry):
    refusal = refused(lambda: INSPECTION_BOOKING[entry](rt, session, unregistered))
    assert (refusal.code, refusal.facts) == ("register_first", {"action": "inspection_booking", "account": "none"})
    unchanged(session, unregistered)


@pytest.mark.parametrize("entry", list(EXAM_APPLICATION))
def test_account_table_exam_application_and_cancelling_refused_at_level_none(rt, session, unregistered, entry):
    refusal = refused(lambda: EXAM_APPLICATION[entry](rt, session, unregistered))
    assert (refusal.code, refusal.facts) == ("register_first", {"action": "exam_application", "account": "none"})
    unchanged(session, unregistered)


@pytest.mark.parametrize("entry", list(EXAM_APPLICATION))
def test_account_table_exam_application_is_for_persons_not_organisations(rt, session, firm, entry):
    assert refused(lambda: EXAM_APPLICATION[entry](rt, session, firm)).code == "persons_only"


def test_account_table_an_organisation_asking_for_exam_plans_is_told_it_takes_no_exams(rt, session, firm):
    refusal = refused(lambda: exams.open_plans(session, rt.clock, asker=firm.party))
    assert refusal.code == "persons_only"


def test_account_table_public_exam_plans_and_inspection_slots_for_level_none(rt, session, unregistered):
    """The first row of the table: at level `none` the open plans and slots are still there to read."""
    assert [p.plan_id for p in exams.open_plans(session, rt.clock, asker=unregistered.party)] == [unregistered.plan_id]
    assert [s.slot_id for s in inspections.open_slots(session, rt.clock)] == [unregistered.slot_id]


def test_account_table_own_licence_query_is_for_persons_not_organisations(rt, session, firm):
    assert refused(lambda: queries.licence_status(session, rt.clock, firm.party)).code == "persons_only"


def test_account_table_organisations_inspection_booking_is_allowed(rt, session, firm):
    """The organisation column: its own vehicles, inspection booking (window-registered)."""
    assert [v.id for v in inspections.vehicles(session, rt.clock, firm.party)] == [firm.vehicle_id]
    assert [s.slot_id for s in inspections.bookable_slots(session, rt.clock, firm.party, firm.vehicle_id)] == [
        firm.slot_id
    ]
    inspections.book(session, rt.clock, firm.party, firm.vehicle_id, firm.slot_id, "sms")
    assert [b.slot_id for b in inspections.bookings(session, rt.clock, firm.party)] == [firm.slot_id]


@pytest.mark.parametrize("account", ["none", "internet"])
def test_account_table_extensions_only_for_window_accounts(rt, session, account):
    """Extensions (延期) are done at the window's level only: none and internet are refused by the service."""
    record = person(account=account)
    store(session, record, licence(record))
    party = party_by_id_number(session, record["id_number"])
    for call in (
        lambda: licence_extensions.check_eligible(session, party),
        lambda: licence_extensions.apply(
            session, rt.clock, party, kind="renewal", reason="abroad", years=1, acknowledged=True, channel="sms"
        ),
    ):
        assert refused(call).code == "window_account_only"


def test_account_table_extensions_are_for_persons_not_organisations(rt, session, firm):
    assert refused(lambda: licence_extensions.check_eligible(session, firm.party)).code == "persons_only"
    assert refused(lambda: licence_extensions.cancel(session, rt.clock, firm.party, 1, "sms")).code == "persons_only"
