"""The review (审验) notices D05/D06 and the exemption D07 follow Order 162 art. 72 (unchanged by Order 172):
decided by the scoring cycle that ended, not by the points of the cycle the record holds when they fall due."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from hotline.clock import CHINA
from hotline.db import Licence, Notice
from hotline.ingest import apply_records
from hotline.notify.recheck import still_due
from hotline.notify.scan import scan
from tests.factories import licence, person, store

FIRST_ISSUED = date(2015, 11, 24)  # cycles end on 23 November
CYCLE_END = date(2026, 11, 23)
REVIEW_DUE = date(2026, 12, 23)  # within 30 days after the cycle ends
IN_THE_CYCLE = datetime(2026, 11, 14, 10, 0, tzinfo=CHINA)
NEW_CYCLE = datetime(2026, 11, 30, 10, 0, tzinfo=CHINA)
OVERDUE_DAY = date(2026, 12, 24)
NOW = datetime(2026, 12, 24, 7, 0, tzinfo=CHINA)


def _ab_licence(p, **kw):
    return licence(p, classes=["A2"], first_issued=FIRST_ISSUED.isoformat(), review_due=REVIEW_DUE.isoformat(), **kw)


def _kinds(session) -> list[tuple[str, str]]:
    return sorted(tuple(row) for row in session.execute(select(Notice.kind, Notice.occasion)))


def test_art_72_para_3_ab_holder_with_points_in_the_ended_cycle_is_told_review_overdue(session):
    p = person()
    store(session, p, _ab_licence(p, points=6), now=IN_THE_CYCLE)
    store(session, _ab_licence(p, points=0), now=NEW_CYCLE)  # the new cycle starts clean
    assert scan(session, OVERDUE_DAY, now=NOW).by_kind == {"D06": 1}
    assert _kinds(session) == [("D06", "due:2026-12-23:overdue")]
    stored = session.scalars(select(Licence)).one()
    assert (stored.previous_cycle_points, stored.previous_cycle_end) == (6, CYCLE_END)


def test_art_72_para_3_exempt_ab_holder_with_points_in_the_new_cycle_is_not_told_overdue(session):
    p = person()
    store(session, p, _ab_licence(p, points=0), now=IN_THE_CYCLE)
    store(session, _ab_licence(p, points=3), now=NEW_CYCLE)  # points of the new cycle
    assert "D06" not in scan(session, OVERDUE_DAY, now=NOW).by_kind


def test_art_72_para_3_exemption_d07_comes_from_the_ended_cycle_after_the_new_cycles_record(session):
    p = person()
    store(session, p, _ab_licence(p, points=0), now=IN_THE_CYCLE)
    store(session, _ab_licence(p, points=3), now=datetime(2026, 11, 25, 9, 0, tzinfo=CHINA))
    assert scan(session, date(2026, 11, 26), now=NOW).by_kind == {"D07": 1}


def test_art_72_para_4_holder_of_other_classes_with_a_review_date_is_reminded_and_told_overdue(session):
    # A C1 holder is reviewed only after a fatal accident (¶4) or, at 70 or more, a serious one (¶5); the
    # hotline holds no accident records, so the upstream's review date is what says so.
    p = person()
    store(session, p, licence(p, classes=["C1"], first_issued=FIRST_ISSUED.isoformat(), points=0,
                              review_due=REVIEW_DUE.isoformat()), now=NEW_CYCLE)
    assert scan(session, date(2026, 11, 30), now=NOW).by_kind == {"D05": 1}
    assert scan(session, OVERDUE_DAY, now=NOW).by_kind == {"D06": 1}
    assert _kinds(session) == [("D05", "due:2026-12-23:-30"), ("D06", "due:2026-12-23:overdue")]


def test_art_72_upstream_previous_cycle_points_decide_a_licence_first_seen_in_the_new_cycle(session):
    p, q = person(), person()
    store(session, p, q, _ab_licence(p, points=0, previous_cycle_points=4),
          _ab_licence(q, points=2, previous_cycle_points=0), now=NEW_CYCLE)
    assert scan(session, OVERDUE_DAY, now=NOW).by_kind == {"D06": 1}
    owner = session.scalars(select(Notice.subject_id)).one()
    assert owner == session.scalars(select(Licence.person_id).where(Licence.previous_cycle_points == 4)).one()


def test_art_72_previous_cycle_points_out_of_range_is_an_error_naming_the_field(session):
    p = person()
    store(session, p)
    result = apply_records(session, [("line 1", _ab_licence(p, previous_cycle_points=100))], now=NEW_CYCLE)
    assert [(error.location, error.field, error.reason) for error in result.errors] == [
        ("line 1", "previous_cycle_points", "must be at most 99, not 100")]
    assert session.scalars(select(Licence)).all() == []


def test_art_75_deferred_review_status_t_brings_neither_review_reminder_nor_overdue_notice(session):
    # Order 162 art. 75 (unchanged by Order 172): a holder who could not be reviewed in time (military
    # service, abroad) may have the review deferred for up to three years; while it is (status T, 延期审验)
    # the review is neither due nor overdue. D17 tells them when the deferral runs out.
    p, q = person(), person()
    store(session, p, q, _ab_licence(p, points=6, status="T", extension_until="2028-12-23"),
          _ab_licence(q, points=6), now=IN_THE_CYCLE)
    scan(session, date(2026, 11, 30), now=NOW)
    scan(session, OVERDUE_DAY, now=NOW)
    told = session.execute(select(Notice.kind, Licence.status).join(Licence, Licence.person_id == Notice.subject_id)
                           .where(Notice.kind.in_(("D05", "D06"))).order_by(Notice.kind)).all()
    assert [tuple(row) for row in told] == [("D05", "A"), ("D06", "A")]


def test_art_75_deferred_review_is_not_overdue_even_if_the_upstream_also_sends_status_s(session):
    p, q = person(), person()
    store(session, p, q, _ab_licence(p, points=6, status="ST", extension_until="2028-12-23"), now=IN_THE_CYCLE)
    assert "D06" not in scan(session, OVERDUE_DAY, now=NOW).by_kind
    deferred = _ab_licence(q, points=6, status="T", extension_until="2028-12-23")
    store(session, deferred, now=NEW_CYCLE)
    store(session, {**deferred, "status": "ST"}, now=NOW, baseline=False)  # gaining S is no news while T runs
    assert session.scalars(select(Notice.kind)).all() == []


def test_art_75_review_deferred_after_the_reminder_was_planned_is_no_longer_due(session):
    p = person()
    record = _ab_licence(p, points=6)
    store(session, p, record, now=IN_THE_CYCLE)
    assert scan(session, date(2026, 11, 30), now=NOW).by_kind["D05"] == 1
    store(session, {**record, "status": "T", "extension_until": "2028-12-23"}, now=NEW_CYCLE)
    reminder = session.scalars(select(Notice).where(Notice.kind == "D05")).one()
    assert still_due(session, reminder, date(2026, 11, 30)) == "no longer due: review deferred"
