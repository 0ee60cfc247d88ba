"""Policies when a notice is about to go: the window, the cap of 4 a day, opt-out, the segment rate."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest

from hotline.clock import CHINA
from hotline.config import Settings
from hotline.notify import outbox, policies, sender
from tests.notify.support import notice, people, people_by_id_number, plan, run_worker, sending_runtime, states


@pytest.fixture
def srt(settings, clock, loopback):
    runtime = sending_runtime(settings, clock, loopback)
    yield runtime
    runtime.engine.dispose()


def china(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=CHINA)


@pytest.mark.parametrize(
    ("at", "inside"),
    [(china(24, 7, 59), False), (china(24, 8, 0), True), (china(24, 20, 59), True), (china(24, 21, 0), False)],
)
def test_the_window_is_china_time(at, inside):
    assert policies.in_window(Settings(), at) is inside


def test_the_next_opening_is_today_or_tomorrow_morning():
    assert policies.next_opening(Settings(), china(24, 6, 30)) == china(24, 8, 0)
    assert policies.next_opening(Settings(), china(24, 21, 30)) == china(25, 8, 0)
    assert policies.in_window(Settings(send_window="00:00-24:00"), china(24, 3, 0))


def test_outside_the_window_only_urgent_notices_go(srt, loopback, clock):
    clock.set(china(24, 22, 0))
    who = people(srt, 2)
    quiet, urgent = plan(srt, who[0], kind="V07"), plan(srt, who[1], kind="V09")

    assert sender.dispatch(srt) == 1
    run_worker(srt)
    assert [m.to for m in loopback.messages()] == [who[1].phone]
    waiting = notice(srt, quiet)
    assert (waiting.state, waiting.not_before) == ("planned", china(25, 8, 0))
    assert notice(srt, urgent).state == "accepted"

    clock.set(china(25, 7, 59))
    assert sender.dispatch(srt) == 0
    clock.set(china(25, 8, 0))
    assert sender.dispatch(srt) == 1
    run_worker(srt)
    assert notice(srt, quiet).state == "accepted"


def test_a_notice_queued_before_the_window_closed_is_not_sent_after_it(srt, loopback, clock):
    clock.set(china(24, 20, 59))
    nid = plan(srt, people(srt, 1)[0])
    sender.dispatch(srt)
    clock.set(china(24, 21, 1))  # the worker reaches it after closing time
    run_worker(srt)

    assert loopback.messages() == []
    waiting = notice(srt, nid)
    assert (waiting.state, waiting.not_before) == ("planned", china(25, 8, 0))


def test_a_fifth_notice_to_one_number_waits_for_the_next_day(srt, loopback, clock):
    who = people(srt, 1)[0]
    ids = [plan(srt, who) for _ in range(5)]

    assert sender.dispatch(srt) == 4
    run_worker(srt)
    assert states(srt, ids).count("accepted") == 4
    fifth = next(notice(srt, i) for i in ids if notice(srt, i).state == "planned")
    assert fifth.not_before == clock.now() + timedelta(hours=24)

    clock.advance(hours=23, minutes=59)
    assert sender.dispatch(srt) == 0
    clock.advance(minutes=1)
    assert sender.dispatch(srt) == 1
    run_worker(srt)
    assert set(states(srt, ids)) == {"accepted"}
    assert len(loopback.messages(who.phone)) == 5


def test_urgent_notices_count_toward_the_cap_too(srt, loopback):
    who = people(srt, 1)[0]
    [plan(srt, who, kind="V09") for _ in range(3)]
    quiet = [plan(srt, who, kind="V07") for _ in range(2)]
    assert sender.dispatch(srt) == 4
    assert sorted(notice(srt, i).state for i in quiet) == ["planned", "queued"]


def test_one_time_codes_are_neither_capped_nor_counted(srt, loopback):
    who = people(srt, 1)[0]
    ids = [plan(srt, who) for _ in range(4)]
    codes = [outbox.send_text(srt, to=who.phone, body=f"【交管12123】验证码{n}23456，10分钟内有效。", purpose="code")
             for n in range(6)]
    assert sender.dispatch(srt) == 4
    run_worker(srt)
    assert set(states(srt, ids + codes)) == {"accepted"}
    assert len(loopback.messages(who.phone)) == 10


def test_the_token_bucket_holds_the_sender_to_its_rate(redis_conn):
    bucket = policies.TokenBucket(redis_conn, "test:bucket", rate=20)
    assert bucket.reserve(20) == 0  # a second's worth is there at once
    wait = bucket.reserve(10)
    assert 0.4 < wait <= 0.5  # then 10 more segments cost half a second
    started = time.monotonic()
    bucket.take(2)  # waits behind the reservation before it
    assert time.monotonic() - started > 0.5


def test_segments_not_messages_are_counted(srt, loopback, redis_conn):
    """A two-segment text costs two tokens: at 4 segments a second, 5 two-segment texts take ~1.5 s."""
    rt = sending_runtime(srt.settings, srt.clock, loopback, sender_segments_per_second=4.0)
    long_body = "【交管12123】" + "您的机动车检验有效期即将届满，" * 5
    who = people(rt, 5)
    codes = [outbox.send_text(rt, to=p.phone, body=long_body, purpose="answer") for p in who]
    started = time.monotonic()
    run_worker(rt)
    elapsed = time.monotonic() - started
    assert set(states(rt, codes)) == {"accepted"}
    assert notice(rt, codes[0]).segments == 2
    assert elapsed > 1.2
    rt.engine.dispose()


def test_a_licence_renewed_after_planning_is_not_reminded(srt, loopback):
    from datetime import date

    from tests.factories import licence, person, store

    holder = person()
    due = date(2026, 12, 24)
    with srt.sessions() as session:
        store(session, holder, licence(holder, valid_until=due.isoformat()))
    (who,) = people_by_id_number(srt, holder["id_number"])
    renewed, kept = (plan(srt, who, kind="D01", variables={"due": due.isoformat()}, occasion=f"due:{due}:-30"),
                     plan(srt, people(srt, 1)[0]))
    with srt.sessions() as session:
        store(session, licence(holder, valid_until="2032-12-24"))  # renewed at the window since planning

    sender.dispatch(srt)
    run_worker(srt)
    skipped = notice(srt, renewed)
    assert (skipped.state, skipped.skip_reason) == ("skipped", "no longer due: licence renewed")
    assert notice(srt, kept).state == "accepted"
    assert [m.to for m in loopback.messages()] == [notice(srt, kept).phone]


def test_two_dispatchers_at_once_still_let_only_four_through(srt):
    import threading

    who = people(srt, 1)[0]
    ids = [plan(srt, who) for _ in range(6)]
    results = []
    threads = [threading.Thread(target=lambda: results.append(sender.dispatch(srt))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sum(results) == 4
    assert states(srt, ids).count("queued") == 4
