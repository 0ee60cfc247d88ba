"""Callback requests: when they fall due (office hours, the working-day calendar), one open per number,
cancelling, and how an answered or unanswered call settles them."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from hotline.clock import CHINA
from hotline.config import Settings
from hotline.db import CallbackRequest
from hotline.domain.reaching_a_person import CallbackState
from hotline.services import callbacks
from hotline.services.errors import Refusal
from hotline.services.identity import party_by_id_number
from tests.factories import person, store

HOURS = Settings(office_hours="08:30-17:30").office_hours
NUMBER = "+8613900139000"


def ask(rt, session, now, number=NUMBER, party=None, node="main_menu"):
    return callbacks.request(session, now, rt.calendar, HOURS, number=number, party=party, menu_node=node,
                             language="zh-CN")


def test_in_office_hours_a_callback_is_due_at_once(rt, session):
    now = datetime(2026, 11, 24, 10, 0, tzinfo=CHINA)  # a working Tuesday
    view = ask(rt, session, now)
    assert (view.state, view.due_at, view.due, view.verified) == ("waiting", now, True, False)
    assert view.number_masked == "139****9000"


def test_in_the_evening_it_is_due_at_the_next_mornings_opening(rt, session):
    view = ask(rt, session, datetime(2026, 11, 24, 20, 0, tzinfo=CHINA))
    assert view.due_at == datetime(2026, 11, 25, 8, 30, tzinfo=CHINA)
    assert not view.due


def test_early_on_a_working_day_it_is_due_at_that_days_opening(rt, session):
    view = ask(rt, session, datetime(2026, 11, 24, 7, 0, tzinfo=CHINA))
    assert view.due_at == datetime(2026, 11, 24, 8, 30, tzinfo=CHINA)


def test_the_national_day_holiday_is_skipped_and_the_make_up_saturday_counts(rt, session):
    # 30 September 2026 in the evening: 1-7 October are holidays, so the next opening is Thursday the 8th.
    view = ask(rt, session, datetime(2026, 9, 30, 19, 0, tzinfo=CHINA))
    assert view.due_at == datetime(2026, 10, 8, 8, 30, tzinfo=CHINA)
    # Friday 9 October in the evening: Saturday the 10th is a make-up working day (调休).
    assert callbacks.next_opening(rt.calendar, HOURS, datetime(2026, 10, 9, 18, 0, tzinfo=CHINA)) == datetime(
        2026, 10, 10, 8, 30, tzinfo=CHINA)


def test_one_open_request_per_number(rt, session):
    now = datetime(2026, 11, 24, 10, 0, tzinfo=CHINA)
    first = ask(rt, session, now)
    with pytest.raises(Refusal) as caught:
        ask(rt, session, now + timedelta(minutes=1))
    assert caught.value.code == "callback_open"
    assert caught.value.facts == {"due_at": first.due_at, "callback_id": first.id}
    ask(rt, session, now, number="+8613900139001")  # another number is not held up
    assert len(callbacks.open_list(session, now)) == 2


def test_the_database_itself_refuses_a_second_open_request(rt, session):
    now = datetime(2026, 11, 24, 10, 0, tzinfo=CHINA)
    ask(rt, session, now)
    session.commit()
    with pytest.raises(Exception):  # noqa: B017, PT011 - the partial unique index, whichever driver's error
        with session.begin_nested():
            session.add(CallbackRequest(number=NUMBER, menu_node="x", language="zh-CN", requested_at=now,
                                        due_at=now, state="calling", attempts=1, updated_at=now))
            session.flush()
    # A settled request does not count: the number may ask again.
    row = session.scalars(select(CallbackRequest)).one()
    row.state = CallbackState.DONE
    session.flush()
    assert ask(rt, session, now).state == "waiting"


def test_a_verified_caller_is_named_for_the_desk(rt, session):
    p = person()
    store(session, p)
    party = party_by_id_number(session, p["id_number"])
    view = ask(rt, session, datetime(2026, 11, 24, 10, 0, tzinfo=CHINA), number=party.phone, party=party)
    assert view.verified and (view.party_kind, view.party_id) == ("person", party.id)
    assert callbacks.party_of(session, view.id) == party


def test_cancel_by_number_then_nothing_is_left(rt, session):
    now = datetime(2026, 11, 24, 10, 0, tzinfo=CHINA)
    ask(rt, session, now)
    assert callbacks.cancel(session, now, number=NUMBER).state == "cancelled"
    assert callbacks.cancel(session, now, number=NUMBER) is None
    assert callbacks.open_list(session, now) == []


def test_open_list_puts_the_longest_due_first(rt, session):
    evening = datetime(2026, 11, 23, 20, 0, tzinfo=CHINA)
    morning = datetime(2026, 11, 24, 9, 0, tzinfo=CHINA)
    later = ask(rt, session, morning, number="+8613900139001")
    earlier = ask(rt, session, evening)  # due at 08:30 on the 24th
    assert [v.id for v in callbacks.open_list(session, morning)] == [earlier.id, later.id]
