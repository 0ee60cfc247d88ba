"""Transactional texts: persisted, enqueued on the urgent queue, sent by the sweep if Redis was down."""

from __future__ import annotations

import pytest

from hotline.notify import outbox
from hotline.notify.sweep import sweep
from hotline.runtime import QUEUE_URGENT
from hotline.services.optouts import opt_out
from tests.notify.support import notice, run_worker, sending_runtime

PHONE = "+8613800138000"
CODE_TEXT = "【交管12123】您的验证码是482913，10分钟内有效，请勿告诉他人。"


@pytest.fixture
def srt(settings, clock, loopback):
    runtime = sending_runtime(settings, clock, loopback)
    yield runtime
    runtime.engine.dispose()


def test_a_code_is_persisted_then_enqueued_on_the_urgent_queue_with_its_id_only(srt, loopback):
    nid = outbox.send_text(srt, to=PHONE, body=CODE_TEXT, purpose="code")

    saved = notice(srt, nid)
    assert (saved.kind, saved.state, saved.urgent, saved.body) == ("X01", "queued", True, CODE_TEXT)
    (job,) = srt.queue(QUEUE_URGENT).get_jobs()
    assert job.args == ([nid],)

    run_worker(srt)
    (message,) = loopback.messages()
    assert (message.to, message.body) == (PHONE, CODE_TEXT)
    assert notice(srt, nid).state == "accepted"


def test_with_redis_down_the_text_waits_and_the_sweep_sends_it(srt, loopback, redis_server, clock):
    redis_server.stop()
    try:
        nid = outbox.send_text(srt, to=PHONE, body=CODE_TEXT, purpose="code")
    finally:
        redis_server.start()
    assert notice(srt, nid).state == "queued"

    clock.advance(seconds=srt.settings.notice_queued_timeout_seconds + 1)
    assert sweep(srt).requeued == 1
    run_worker(srt)
    assert [m.body for m in loopback.messages()] == [CODE_TEXT]


def test_a_number_out_of_notices_still_gets_the_code_it_asked_for(srt, loopback):
    with srt.transaction() as session:
        opt_out(session, PHONE, srt.clock.now(), source="td")
    nid = outbox.send_text(srt, to=PHONE, body=CODE_TEXT, purpose="code")
    run_worker(srt)
    assert notice(srt, nid).state == "accepted"


def test_a_number_the_provider_blocks_gets_nothing(srt, loopback):
    with srt.transaction() as session:
        opt_out(session, PHONE, srt.clock.now(), source="twilio_stop", provider_blocked=True)
    nid = outbox.send_text(srt, to=PHONE, body=CODE_TEXT, purpose="answer")
    run_worker(srt)
    assert (notice(srt, nid).kind, notice(srt, nid).state) == ("X02", "skipped")
    assert loopback.messages() == []


def test_an_unknown_purpose_is_refused(srt):
    with pytest.raises(ValueError, match="purpose"):
        outbox.send_text(srt, to=PHONE, body="hi", purpose="marketing")
