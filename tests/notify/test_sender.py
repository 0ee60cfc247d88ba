"""Sending: dispatch, claim, the provider's answers and what each does to a notice, on both databases."""

from __future__ import annotations

import threading
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from hotline.db import PhonePreference
from hotline.notify import policies, sender
from hotline.notify import store as notice_store
from hotline.notify.sweep import sweep
from tests.factories import person, store
from tests.notify.support import (
    attempts,
    notice,
    people,
    people_by_id_number,
    plan,
    run_worker,
    sending_runtime,
    states,
)


@pytest.fixture
def srt(settings, clock, loopback):
    runtime = sending_runtime(settings, clock, loopback)
    yield runtime
    runtime.engine.dispose()


def test_due_notices_are_sent_once_each_with_a_status_callback(srt, loopback):
    folks = people(srt, 3)
    ids = [plan(srt, p) for p in folks]

    assert sender.dispatch(srt) == 3
    run_worker(srt)

    assert states(srt, ids) == ["accepted"] * 3
    messages = loopback.messages()
    assert sorted(m.to for m in messages) == sorted(p.phone for p in folks)
    first = notice(srt, ids[0])
    assert [m.body for m in loopback.messages(folks[0].phone)] == [first.body]
    assert first.body.startswith(srt.settings.sms_signature)
    (attempt,) = attempts(srt, ids[0])
    sent = next(m for m in messages if m.sid == attempt.provider_sid)
    assert sent.from_ == srt.settings.twilio_from_number
    callback = urlsplit(sent.status_callback)
    assert f"{callback.scheme}://{callback.netloc}{callback.path}" == "https://hotline.test/sms/status"
    assert parse_qs(callback.query) == {"attempt": [str(attempt.id)]}


def test_a_messaging_service_replaces_the_from_number(settings, clock, loopback):
    rt = sending_runtime(settings, clock, loopback, twilio_messaging_service_sid="MG" + "1" * 32)
    nid = plan(rt, people(rt, 1)[0])
    sender.dispatch(rt)
    run_worker(rt)
    assert notice(rt, nid).state == "accepted"
    (message,) = loopback.messages()
    assert (message.messaging_service_sid, message.from_) == ("MG" + "1" * 32, "")
    rt.engine.dispose()


def _two_workers_send(srt, ids) -> list:
    """Two workers given the same ids at the same moment; their reports."""
    sender.dispatch(srt)
    reports = []
    workers = [threading.Thread(target=lambda: reports.append(sender.send_batch(srt, ids))) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(30)
    return reports


def test_two_workers_given_the_same_ids_send_each_notice_once(srt, loopback):
    ids = [plan(srt, p) for p in people(srt, 20)]
    reports = _two_workers_send(srt, ids)

    assert sum(r.claimed for r in reports) == 20
    assert len(loopback.messages()) == 20
    assert set(states(srt, ids)) == {"accepted"}


def test_only_queued_notices_are_claimed(srt, loopback):
    nid = plan(srt, people(srt, 1)[0])
    report = sender.send_batch(srt, [nid])  # still planned: not dispatched
    assert report.claimed == 0
    assert loopback.messages() == []
    assert notice(srt, nid).state == "planned"


def test_a_few_429s_are_retried_in_place(srt, loopback):
    nid = plan(srt, people(srt, 1)[0])
    sender.dispatch(srt)
    loopback.fail_next(2, 429)
    run_worker(srt)
    assert notice(srt, nid).state == "accepted"
    assert len(loopback.messages()) == 1
    assert loopback.requests_seen == 3


def test_persistent_429_hands_the_notice_back_for_later_without_counting_an_attempt(srt, loopback, clock):
    nid = plan(srt, people(srt, 1)[0])
    sender.dispatch(srt)
    loopback.fail_next(sender.THROTTLE_RETRIES + 1, 429)
    run_worker(srt)

    waiting = notice(srt, nid)
    assert (waiting.state, waiting.not_before > clock.now()) == ("planned", True)
    assert [(a.state, a.error_code) for a in attempts(srt, nid)] == [("failed", "20429")]
    assert loopback.messages() == []

    clock.advance(seconds=11)
    assert sender.dispatch(srt) == 1
    run_worker(srt)
    assert notice(srt, nid).state == "accepted"
    assert len(loopback.messages()) == 1
    with srt.sessions() as session:
        assert notice_store.attempts_counted(session, nid) == 1


def test_a_500_leaves_the_outcome_unknown_until_the_provider_list_says_it_was_not_created(srt, loopback, clock):
    nid = plan(srt, people(srt, 1)[0])
    sender.dispatch(srt)
    loopback.fail_next(1, 500)
    run_worker(srt)
    assert notice(srt, nid).state == "unknown"

    sweep(srt)  # inside the grace period: nothing is resent yet
    assert notice(srt, nid).state == "unknown"

    clock.advance(seconds=61)
    report = sweep(srt)
    assert report.resent == 1
    run_worker(srt)
    assert notice(srt, nid).state == "accepted"
    assert len(loopback.messages()) == 1
    assert [a.state for a in attempts(srt, nid)] == ["failed", "accepted"]


def test_a_timeout_after_the_provider_created_the_message_is_reconciled_not_resent(settings, clock, loopback):
    rt = sending_runtime(settings, clock, loopback, twilio_timeout_seconds=0.5)
    nid = plan(rt, people(rt, 1)[0])
    sender.dispatch(rt)
    loopback.hold(1, seconds=5)
    run_worker(rt)
    loopback.release()
    assert notice(rt, nid).state == "unknown"

    clock.advance(seconds=61)
    report = sweep(rt)
    assert report.found == 1
    (message,) = loopback.messages()
    assert notice(rt, nid).state == "accepted"
    assert [(a.state, a.provider_sid) for a in attempts(rt, nid)] == [("accepted", message.sid)]
    rt.engine.dispose()


def test_a_permanent_error_fails_the_notice_and_keeps_the_reason(srt, loopback):
    folks = people(srt, 2)
    bad, good = plan(srt, folks[0]), plan(srt, folks[1])
    loopback.fail_for(folks[0].phone, 21211)
    sender.dispatch(srt)
    run_worker(srt)

    failed = notice(srt, bad)
    assert failed.state == "failed"
    assert failed.failure_reason.startswith("21211: ")
    assert attempts(srt, bad)[0].error_code == "21211"
    assert notice(srt, good).state == "accepted"


def test_21610_marks_the_number_opted_out_and_skips_the_notice(srt, loopback):
    who = people(srt, 1)[0]
    first, second = plan(srt, who), plan(srt, who)
    loopback.fail_for(who.phone, 21610)
    sender.dispatch(srt)
    run_worker(srt)

    assert [(notice(srt, i).state, notice(srt, i).skip_reason) for i in (first, second)] == [
        ("skipped", "opted out")] * 2
    with srt.sessions() as session:
        pref = session.get(PhonePreference, who.phone)
        assert (pref.opted_out, pref.provider_blocked, pref.opt_out_source) == (True, True, "21610")

    later = plan(srt, who)
    sender.dispatch(srt)
    run_worker(srt)
    assert notice(srt, later).skip_reason == "opted out"
    assert loopback.requests_seen == 2  # the third never went to the provider


def test_a_provider_wide_fault_pauses_sending_instead_of_failing_every_notice(settings, clock, loopback):
    rt = sending_runtime(settings, clock, loopback, twilio_auth_token="wrong-token")
    ids = [plan(rt, p) for p in people(rt, 5)]
    sender.dispatch(rt)
    run_worker(rt)

    assert "20003" in sender.is_paused(rt)
    assert set(states(rt, ids)) == {"queued"}
    assert loopback.requests_seen <= rt.settings.sender_connections  # the first answers stopped the batch
    assert sender.dispatch(rt) == 0

    fixed = sending_runtime(settings, clock, loopback)
    policies.resume(fixed.settings, fixed.redis)
    sender.enqueue(fixed, ids, urgent=False)
    run_worker(fixed)
    assert set(states(fixed, ids)) == {"accepted"}
    assert len(loopback.messages()) == 5
    rt.engine.dispose()
    fixed.engine.dispose()


def test_an_opted_out_number_is_skipped_before_sending(srt, loopback):
    from hotline.services.optouts import opt_out

    who = people(srt, 1)[0]
    nid = plan(srt, who)
    with srt.transaction() as session:
        opt_out(session, who.phone, srt.clock.now(), source="td")
    sender.dispatch(srt)
    run_worker(srt)
    assert (notice(srt, nid).state, notice(srt, nid).skip_reason) == ("skipped", "opted out")
    assert loopback.messages() == []


def test_a_claim_left_by_a_dead_worker_is_reconciled_by_the_sweep(srt, loopback, clock):
    ids = [plan(srt, p) for p in people(srt, 2)]
    sender.dispatch(srt)
    outgoing, _ = sender.claim(srt, ids)  # the worker claims, then dies before calling the provider
    assert len(outgoing) == 2

    clock.advance(seconds=srt.settings.notice_claim_timeout_seconds + 1)
    assert sweep(srt).stale_claims == 2
    clock.advance(seconds=61)
    assert sweep(srt).resent == 2
    run_worker(srt)
    assert states(srt, ids) == ["accepted", "accepted"]
    assert len(loopback.messages()) == 2


def test_queued_notices_whose_job_was_lost_are_enqueued_again(srt, loopback, clock):
    ids = [plan(srt, p) for p in people(srt, 3)]
    sender.dispatch(srt)
    for queue in srt.queues():
        queue.empty()  # Redis lost the jobs

    clock.advance(seconds=srt.settings.notice_queued_timeout_seconds + 1)
    assert sweep(srt).requeued == 3
    run_worker(srt)
    assert set(states(srt, ids)) == {"accepted"}


def test_the_session_is_closed_while_the_provider_is_called(srt, loopback):
    """A slow provider must not hold database connections: none is checked out while the call waits."""
    nid = plan(srt, people(srt, 1)[0])
    sender.dispatch(srt)
    loopback.hold(1, seconds=10)
    worker = threading.Thread(target=sender.send_batch, args=(srt, [nid]))
    worker.start()
    deadline = time.monotonic() + 10
    while not loopback.messages():
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert srt.engine.pool.checkedout() == 0
    loopback.release()
    worker.join(10)
    assert notice(srt, nid).state == "accepted"


def test_one_slow_answer_does_not_hold_up_the_rest_of_the_batch(srt, loopback):
    """Every connection takes the next message as soon as it is free: while the provider sits on one answer,
    the other 29 of the batch still go out."""
    ids = [plan(srt, p) for p in people(srt, 30)]
    sender.dispatch(srt)
    loopback.hold(1, seconds=10)
    worker = threading.Thread(target=sender.send_batch, args=(srt, ids))
    worker.start()
    deadline = time.monotonic() + 10
    while len(loopback.messages()) < 30:
        assert time.monotonic() < deadline, f"only {len(loopback.messages())} created while one answer was held"
        time.sleep(0.01)
    loopback.release()
    worker.join(10)
    assert set(states(srt, ids)) == {"accepted"}
    assert sorted(len(attempts(srt, i)) for i in ids) == [1] * 30


def test_a_batch_of_several_parts_sends_each_notice_once_even_with_two_workers(srt, loopback, monkeypatch):
    monkeypatch.setattr(sender, "PART", 3)  # 20 ids: 7 parts, claimed and recorded while others are in flight
    ids = [plan(srt, p) for p in people(srt, 20)]
    reports = _two_workers_send(srt, ids)

    assert sum(r.claimed for r in reports) == 20
    assert sum(r.outcomes["accepted"] for r in reports) == 20
    assert len(loopback.messages()) == 20
    assert set(states(srt, ids)) == {"accepted"}
    assert sorted(len(attempts(srt, i)) for i in ids) == [1] * 20


def test_a_batch_out_of_time_hands_back_the_parts_it_did_not_claim(settings, clock, loopback, monkeypatch):
    """A batch stops claiming once it is out of time (here 1 s, half the claim timeout); what it never claimed
    stays queued with no attempt and goes out in a job of its own, once."""
    monkeypatch.setattr(sender, "PART", 2)
    rt = sending_runtime(settings, clock, loopback, notice_claim_timeout_seconds=2)
    ids = [plan(rt, p) for p in people(rt, 6)]
    sender.dispatch(rt)
    loopback.hold(1, seconds=1.5)  # the first part is recorded only after the deadline

    report = sender.send_batch(rt, ids)
    assert report.claimed == 4
    assert states(rt, ids[4:]) == ["queued", "queued"]
    assert [attempts(rt, i) for i in ids[4:]] == [[], []]

    run_worker(rt)  # the dispatcher's job for all six (the first four are no longer queued), then the handed-back one
    assert set(states(rt, ids)) == {"accepted"}
    assert sorted(len(attempts(rt, i)) for i in ids) == [1] * 6
    assert len(loopback.messages()) == 6
    rt.engine.dispose()


def test_tokens_are_taken_for_many_segments_at_once_but_never_more_than_a_twentieth_of_a_second(
        settings, clock, loopback):
    """At 100 segments a second a reservation covers at most 5 segments, and every segment sent was reserved."""
    rt = sending_runtime(settings, clock, loopback, sender_segments_per_second=100.0)
    ids = [plan(rt, p) for p in people(rt, 12)]
    sender.dispatch(rt)
    worker = sender.Sender(rt)
    reserved = []
    reserve = worker.bucket.reserve
    worker.bucket.reserve = lambda segments: reserved.append(segments) or reserve(segments)

    worker.send_batch(ids)
    assert set(states(rt, ids)) == {"accepted"}
    sent = sum(notice(rt, i).segments for i in ids)
    assert sum(reserved) == sent
    assert max(reserved) <= 5 and len(reserved) < len(ids) <= sent
    rt.engine.dispose()


def test_a_notice_to_a_number_several_people_share_names_whose_it_is_in_both_languages(srt, loopback):
    father = person(name="陈大明")
    daughter = person(name="陈美", phone=father["phone"], language="en")
    alone = person(name="王小丽")
    with srt.sessions() as session:
        store(session, father, daughter, alone)
    on_record = {p.name: p for p in people_by_id_number(srt, father["id_number"], daughter["id_number"],
                                                        alone["id_number"])}
    ids = [plan(srt, on_record[name]) for name in ("陈大明", "陈美", "王小丽")]

    assert sender.dispatch(srt) == 3
    run_worker(srt)

    signature = srt.settings.sms_signature
    to_family = {notice(srt, i).language: m.body for i in ids[:2]
                 for m in loopback.messages(father["phone"]) if m.body == notice(srt, i).body}
    assert to_family["zh-CN"].startswith(signature + "陈*明：")
    assert to_family["en"].startswith(signature + "For 陈*: ")
    (lone,) = loopback.messages(alone["phone"])
    assert "王*丽" not in lone.body and lone.body.startswith(signature)
