"""Many callers at once: no slot overfilled, no double application, one allocation, no database errors.

Every caller runs in its own thread with its own session and transaction (as web requests and workers do),
on SQLite and on PostgreSQL. A barrier releases them together so that they really race.
"""

import threading
from collections import Counter
from datetime import date

from sqlalchemy import func, select

from hotline.clock import at_china
from hotline.db import (
    ChangeKind,
    ExamApplication,
    InspectionBooking,
    InspectionSlot,
    Notice,
    OutboundChange,
    Vehicle,
    transaction,
)
from hotline.services import exams, inspections
from hotline.services.errors import Refusal
from hotline.services.identity import party_by_id_number
from tests.factories import exam_plan, inspection_slot, learner, person, store, vehicle
from workers.jobs import allocate_plan

DEADLINE_SECONDS = 120


def race(count, work):
    """Run `work(i)` in `count` threads released together; each outcome is "ok", a refusal code or the
    repr of any other exception."""
    barrier = threading.Barrier(count)
    outcomes: list[str | None] = [None] * count

    def run(i):
        try:
            barrier.wait(timeout=DEADLINE_SECONDS)
            work(i)
            outcomes[i] = "ok"
        except Refusal as refusal:
            outcomes[i] = refusal.code
        except BaseException as error:  # every other outcome is a failure to report
            outcomes[i] = repr(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(DEADLINE_SECONDS)
    assert not any(thread.is_alive() for thread in threads), "a caller never finished"
    return Counter(outcomes)


def count(rt, query) -> int:
    with transaction(rt.sessions, read_only=True) as s:
        return s.scalar(query)


def test_fifty_callers_for_the_last_two_seats(rt, session):
    people = [person() for _ in range(50)]
    cars = [vehicle(p) for p in people]
    slot = inspection_slot(capacity=2)
    store(session, *people, *cars, slot)
    parties = [party_by_id_number(session, p["id_number"]) for p in people]
    vehicle_ids = [session.scalar(select(Vehicle.id).where(Vehicle.plate == c["plate"])) for c in cars]
    session.commit()  # the test holds no transaction (on SQLite it would hold the write lock) while they race

    def book(i):
        with transaction(rt.sessions) as s:
            inspections.book(s, rt.clock, parties[i], vehicle_ids[i], slot["slot_id"], "api")

    outcomes = race(50, book)
    assert outcomes == Counter({"ok": 2, "slot_full": 48})
    assert count(rt, select(InspectionSlot.booked).where(InspectionSlot.slot_id == slot["slot_id"])) == 2
    assert count(rt, select(func.count()).select_from(InspectionBooking)) == 2
    assert count(rt, select(func.count()).where(OutboundChange.kind == ChangeKind.INSPECTION_BOOKING)) == 2


def test_one_vehicle_booked_from_many_phones_at_once_gets_one_booking(rt, session):
    owner = person()
    car = vehicle(owner)
    slots = [inspection_slot(capacity=5) for _ in range(10)]
    store(session, owner, car, *slots)
    party = party_by_id_number(session, owner["id_number"])
    vehicle_id = session.scalar(select(Vehicle.id).where(Vehicle.plate == car["plate"]))
    session.commit()

    def book(i):
        with transaction(rt.sessions) as s:
            inspections.book(s, rt.clock, party, vehicle_id, slots[i]["slot_id"], "sms")

    assert race(10, book) == Counter({"ok": 1, "already_booked": 9})
    assert count(rt, select(func.sum(InspectionSlot.booked))) == 1


def test_one_person_applying_many_times_at_once_has_one_open_application(rt, session):
    p = person()
    plans = [exam_plan() for _ in range(10)]
    store(session, p, learner(p), *plans)
    party = party_by_id_number(session, p["id_number"])
    session.commit()

    def apply(i):
        with transaction(rt.sessions) as s:
            exams.apply(s, rt.clock, rt.calendar, rt.settings, party, plans[i]["plan_id"], "voice")

    assert race(10, apply) == Counter({"ok": 1, "already_open": 9})
    assert count(rt, select(func.count()).select_from(ExamApplication)) == 1


def test_allocation_run_twice_at_once_allocates_once(rt, session):
    people = [person() for _ in range(3)]
    plan = exam_plan(capacity=2)
    store(session, *people, *[learner(p) for p in people], plan)
    for p in people:
        party = party_by_id_number(session, p["id_number"])
        exams.apply(session, rt.clock, rt.calendar, rt.settings, party, plan["plan_id"], "voice")
    session.commit()
    rt.clock.set(at_china(date(2026, 12, 3), 18, 0))  # after the plan's close

    results = []

    def allocate(_i):
        with transaction(rt.sessions) as s:
            results.append(allocate_plan(s, rt.clock, plan["plan_id"]))

    assert race(4, allocate) == Counter({"ok": 4})
    assert sorted(r.already_allocated for r in results) == [False, True, True, True]
    assert count(rt, select(func.count()).where(OutboundChange.kind == ChangeKind.EXAM_ALLOCATION)) == 3
    assert count(rt, select(func.count()).where(Notice.kind == "D19")) == 3


def test_seats_given_back_while_others_book_keep_the_count_true(rt, session):
    people = [person() for _ in range(20)]
    cars = [vehicle(p) for p in people]
    slot = inspection_slot(capacity=3)
    store(session, *people, *cars, slot)
    parties = [party_by_id_number(session, p["id_number"]) for p in people]
    vehicle_ids = [session.scalar(select(Vehicle.id).where(Vehicle.plate == c["plate"])) for c in cars]
    holders = [inspections.book(session, rt.clock, parties[i], vehicle_ids[i], slot["slot_id"], "api").id
               for i in range(3)]
    session.commit()

    def book_or_cancel(i):
        with transaction(rt.sessions) as s:
            if i < 3:
                inspections.cancel(s, rt.clock, parties[i], holders[i], "api")
            else:
                inspections.book(s, rt.clock, parties[i], vehicle_ids[i], slot["slot_id"], "api")

    outcomes = race(20, book_or_cancel)
    assert set(outcomes) <= {"ok", "slot_full"}
    # Whichever came first, the seat count is the number of live bookings and never above capacity.
    booked_rows = count(rt, select(func.count()).where(InspectionBooking.status == "booked"))
    assert count(rt, select(InspectionSlot.booked).where(InspectionSlot.slot_id == slot["slot_id"])) == booked_rows
    assert booked_rows <= 3
    assert outcomes["ok"] == 3 + booked_rows  # the three cancels always succeed, and each seat taken
