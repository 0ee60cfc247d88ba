"""The voice queue's record: who waits (longest first, masked), how they leave, the handling time and the
day's numbers hour by hour."""

from __future__ import annotations

from datetime import datetime, timedelta

from hotline.clock import CHINA
from hotline.domain.reaching_a_person import QueueOutcome
from hotline.services import queue
from hotline.services.identity import party_by_id_number
from tests.factories import person, store

T0 = datetime(2026, 11, 24, 9, 50, tzinfo=CHINA)


def sid(n: int) -> str:
    return f"CA{n:032x}"


def test_waiting_callers_longest_first_and_only_the_verified_named(session):
    p = person(name="林小明")
    store(session, p)
    party = party_by_id_number(session, p["id_number"])
    queue.join(session, T0, call_sid=sid(1), number="+8613900139000", party=None, verified=False,
               menu_node="main_menu", language="en")
    queue.join(session, T0 + timedelta(minutes=1), call_sid=sid(2), number=party.phone, party=party,
               verified=True, menu_node="violations", language="zh-CN")
    # The same call asking the wait URL again is the same caller.
    queue.join(session, T0 + timedelta(minutes=2), call_sid=sid(1), number="+8613900139000", party=None,
               verified=False, menu_node="main_menu", language="en", position=1)
    now = T0 + timedelta(minutes=5)
    first, second = queue.waiting(session, now)
    assert (first.position, first.waited_seconds, first.verified, first.name_masked) == (1, 300, False, None)
    assert (first.number_masked, first.menu_node, first.language) == ("139****9000", "main_menu", "en")
    assert (second.position, second.waited_seconds, second.name_masked) == (2, 240, "林*明")


def test_a_caller_who_left_no_longer_waits_and_a_taken_one_is_not_abandoned_later(session):
    queue.join(session, T0, call_sid=sid(1), number="+8613900139000", party=None, verified=False,
               menu_node="main_menu", language="zh-CN")
    queue.left(session, T0 + timedelta(minutes=1), sid(1), QueueOutcome.ABANDONED)
    assert queue.waiting(session, T0 + timedelta(minutes=2)) == []
    assert queue.left(session, T0 + timedelta(minutes=3), sid(1), QueueOutcome.CALLBACK).outcome == "abandoned"


def test_handling_time_is_measured_and_sets_the_expected_wait(session):
    for n, minutes in ((1, 4), (2, 6)):
        queue.join(session, T0, call_sid=sid(n), number=f"+861390013900{n}", party=None, verified=False,
                   menu_node="main_menu", language="zh-CN")
        row = queue.entry(session, sid(n))
        row.left_at, row.outcome = T0 + timedelta(minutes=1), QueueOutcome.TAKEN
        queue.ended(session, T0 + timedelta(minutes=1 + minutes), sid(n))
    average = queue.average_handling_seconds(session, T0 + timedelta(hours=1))
    assert average == 300
    assert queue.expected_wait_seconds(3, average, 60) == 900
    assert queue.expected_wait_seconds(3, None, 60) == 60  # nothing measured yet: Twilio's average
    assert queue.expected_wait_seconds(3, None, 0) is None


def test_the_days_numbers_hour_by_hour(session):
    queue.join(session, T0, call_sid=sid(1), number="+8613900139001", party=None, verified=False,
               menu_node="main_menu", language="zh-CN")
    queue.join(session, T0, call_sid=sid(2), number="+8613900139002", party=None, verified=False,
               menu_node="main_menu", language="zh-CN")
    queue.join(session, T0 + timedelta(minutes=5), call_sid=sid(3), number="+8613900139003", party=None,
               verified=False, menu_node="main_menu", language="zh-CN")
    queue.left(session, T0 + timedelta(minutes=3), sid(1), QueueOutcome.ABANDONED)  # 09:53
    queue.ended(session, T0 + timedelta(minutes=20), sid(2))  # taken and ended 10:10, waited 20 minutes
    now = T0 + timedelta(minutes=40)  # 10:30; caller 3 still waits (35 minutes)
    day = queue.stats(session, T0.date(), now)
    nine, ten = day.hours[9], day.hours[10]
    assert (nine.joined, nine.waiting, nine.abandoned, nine.handled, nine.longest_wait_seconds) == (3, 3, 1, 0, 180)
    assert (ten.joined, ten.waiting, ten.handled, ten.longest_wait_seconds) == (0, 2, 1, 35 * 60)
    assert day.hours[11].waiting == 0
    assert (day.joined, day.handled, day.abandoned, day.waiting_now, day.longest_wait_seconds) == (3, 1, 1, 1, 2100)
