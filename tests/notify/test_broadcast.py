"""Planning an announcement's broadcast: one notice per covered, active subscriber, planned once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from hotline.db import Notice
from hotline.notify.broadcast import plan_broadcast
from hotline.services import announcements
from hotline.services.optouts import preference
from tests.factories import DEFAULT_NOW, announcement, store, valid_phone


def subscribe(rt, session, area, language="zh-CN") -> str:
    phone = valid_phone()
    announcements.subscribe(session, rt.clock, phone, area=area, party=None, language=language)
    return phone


def planned(session) -> dict[str, Notice]:
    session.expire_all()
    return {n.phone: n for n in session.scalars(select(Notice).where(Notice.kind == "A01"))}


def test_a_district_announcement_plans_one_notice_per_subscriber_of_that_district(rt, session):
    here = [subscribe(rt, session, "350203") for _ in range(3)]
    subscribe(rt, session, "350205")
    gone = subscribe(rt, session, "350203")
    announcements.unsubscribe(session, rt.clock, gone)
    record = announcement(area="350203", announcement_id="GG-1")
    result = store(session, record, baseline=False)
    assert result.planned == 3
    rows = planned(session)
    assert set(rows) == set(here)
    for notice in rows.values():
        assert (notice.kind, notice.subject_kind, notice.occasion, notice.state, notice.urgent) == (
            "A01", "subscription", "announcement:GG-1", "planned", False)
        assert notice.variables["title"] == record["title"]
    # Planning again, or an update of the record, plans nothing more.
    assert plan_broadcast(session, "GG-1", now=rt.clock.now()) == 0
    assert store(session, {**record, "title": "更正"}, baseline=False).planned == 0


def test_city_and_province_codes_cover_their_districts(rt, session):
    siming, jimei, fuzhou = subscribe(rt, session, "350203"), subscribe(rt, session, "350211"), \
        subscribe(rt, session, "350102")
    store(session, announcement(area="350200", announcement_id="XM"), baseline=False)
    assert set(planned(session)) == {siming, jimei}
    store(session, announcement(area="350000", announcement_id="FJ"), baseline=False)
    session.expire_all()
    fj = session.scalars(select(Notice.phone).where(Notice.occasion == "announcement:FJ")).all()
    assert set(fj) == {siming, jimei, fuzhou}


def test_baseline_and_expired_announcements_plan_nothing(rt, session):
    subscribe(rt, session, "350203")
    store(session, announcement(announcement_id="OLD"))  # baseline: the first load of a deployment
    store(session, announcement(announcement_id="EXPIRED", published_at=DEFAULT_NOW - timedelta(days=9),
                                valid_until=DEFAULT_NOW - timedelta(days=1)), baseline=False)
    assert planned(session) == {}


def test_a_future_announcement_waits_for_its_publication_and_the_chosen_language_wins(rt, session):
    phone = subscribe(rt, session, "350203", language="zh-CN")
    preference(session, phone, rt.clock.now()).language = "en"
    session.flush()
    later = DEFAULT_NOW + timedelta(days=2)
    store(session, announcement(published_at=later, valid_until=later + timedelta(days=5)), baseline=False)
    [notice] = planned(session).values()
    assert notice.not_before == later
    assert notice.language == "en"


def test_current_announcements_for_an_area(rt, session):
    store(session,
          announcement(area="350203", announcement_id="D"), announcement(area="350200", announcement_id="C"),
          announcement(area="350000", announcement_id="P"), announcement(area="all", announcement_id="ALL"),
          announcement(area="350205", announcement_id="OTHER"),
          announcement(area="350203", announcement_id="LATER", published_at=DEFAULT_NOW + timedelta(days=1)))
    ids = {a.announcement_id for a in announcements.current(session, rt.clock, "350203", limit=10)}
    assert ids == {"D", "C", "P", "ALL"}
    assert {a.announcement_id for a in announcements.current(session, rt.clock, None)} == {"ALL"}
