"""plan_notice / plan_many: recipient, number, language and urgency resolved; each occasion planned once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update

from hotline.clock import CHINA
from hotline.db import Notice, NoticeState, Organisation, Person, PhonePreference, Vehicle, Violation
from hotline.notify.planner import NO_MOBILE, Planned, is_mobile, plan_many, plan_notice
from tests.factories import organisation, person, store, vehicle, violation

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=CHINA)
V07 = {"business": "转移登记", "result": "办结", "office": "厦门市车管所"}


def _id(session, model, **where):
    return session.scalar(select(model.id).filter_by(**where))


def test_planning_the_same_occasion_twice_creates_one_notice(session):
    p = person()
    store(session, p)
    pid = _id(session, Person, id_number=p["id_number"])
    first = plan_notice(session, kind="V07", subject_kind="person", subject_id=pid, occasion="request:R1",
                        variables=V07, now=NOW)
    second = plan_notice(session, kind="V07", subject_kind="person", subject_id=pid, occasion="request:R1",
                         variables={**V07, "result": "退办"}, now=NOW)
    session.commit()
    assert (first, second) == (True, False)
    notice = session.scalars(select(Notice)).one()
    assert (notice.state, notice.phone, notice.language, notice.urgent) == (
        NoticeState.PLANNED, p["phone"], "zh-CN", False)
    assert notice.variables == V07  # the first planning stands
    assert notice.not_before == NOW and notice.planned_at == NOW


def test_urgency_comes_from_the_catalogue(session):
    p = person()
    store(session, p)
    pid = _id(session, Person, id_number=p["id_number"])
    plan_notice(session, kind="V09", subject_kind="person", subject_id=pid, occasion="request:R2",
                variables={"applicant_name_masked": "陈*", "deadline": "2026-11-30"}, now=NOW)
    assert session.scalars(select(Notice.urgent)).one() is True


def test_vehicle_notices_go_to_the_owner_person_or_organisation(session):
    p, org = person(), organisation()
    car, truck = vehicle(p), vehicle(org)
    store(session, p, org, car, truck)
    for record in (car, truck):
        vid = _id(session, Vehicle, plate=record["plate"])
        plan_notice(session, kind="V01", subject_kind="vehicle", subject_id=vid, occasion="due:2027-01-01:-30",
                    variables={"plate": record["plate"], "due": "2027-01-01"}, now=NOW)
    found = {(n.recipient_kind, n.recipient_id, n.phone) for n in session.scalars(select(Notice))}
    assert found == {("person", _id(session, Person, id_number=p["id_number"]), p["phone"]),
                     ("organisation", _id(session, Organisation, org_code=org["org_code"]), org["phone"])}


def test_w02_goes_to_the_driver_named_on_the_violation(session):
    owner, driver = person(), person()
    car = vehicle(owner)
    fine = violation(car, handled=True, decided_at=NOW, driver_id_number=driver["id_number"])
    store(session, owner, driver, car, fine)
    vid = _id(session, Vehicle, plate=car["plate"])
    plan_notice(session, kind="W02", subject_kind="vehicle", subject_id=vid, occasion=f"violation:{fine['ref']}",
                variables={"plate": car["plate"], "points": 6, "fine": 20000, "pay_by": None}, now=NOW)
    notice = session.scalars(select(Notice)).one()
    assert (notice.recipient_id, notice.phone) == (_id(session, Person, id_number=driver["id_number"]),
                                                   driver["phone"])
    assert _id(session, Violation, ref=fine["ref"]) is not None


def test_language_chosen_on_the_hotline_wins_over_the_record(session):
    a, b = person(language="en"), person()
    store(session, a, b)
    # b told the hotline (by SMS) to answer in English; preferences are the hotline's own rows.
    session.add(PhonePreference(phone=b["phone"], language="en", modified_at=NOW))
    session.flush()
    for record in (a, b):
        plan_notice(session, kind="V07", subject_kind="person", subject_id=_id(session, Person,
                    id_number=record["id_number"]), occasion="request:R3", variables=V07, now=NOW)
    assert list(session.scalars(select(Notice.language))) == ["en", "en"]


def test_no_mobile_number_is_a_skipped_notice_with_the_reason(session):
    p = person()
    store(session, p)
    pid = _id(session, Person, id_number=p["id_number"])
    # Ingest refuses numbers that cannot take a text; a number kept from before that rule may still be one.
    session.execute(update(Person).where(Person.id == pid).values(phone="+865922222222"))
    plan_notice(session, kind="V07", subject_kind="person", subject_id=pid, occasion="request:R4",
                variables=V07, now=NOW)
    notice = session.scalars(select(Notice)).one()
    assert (notice.state, notice.skip_reason, notice.phone) == (NoticeState.SKIPPED, NO_MOBILE, None)


def test_is_mobile():
    assert is_mobile("+8613800138000")
    assert not is_mobile("+865922222222")
    assert not is_mobile("")
    assert not is_mobile(None)
    assert is_mobile("+12025550123")  # abroad: the provider decides


def test_plan_many_in_bulk_counts_only_what_it_created(session):
    people = [person() for _ in range(60)]
    store(session, *people)
    ids = list(session.scalars(select(Person.id).order_by(Person.id)))
    batch = [Planned("D01", "person", pid, f"due:2027-01-{day:02d}:-30", "person", pid, {"due": f"2027-01-{day:02d}"})
             for pid in ids for day in range(1, 21)]
    assert plan_many(session, batch, now=NOW) == 1200
    assert plan_many(session, batch[:700] + [batch[0]], now=NOW) == 0
    session.commit()
    assert session.scalar(select(func.count()).select_from(Notice)) == 1200
