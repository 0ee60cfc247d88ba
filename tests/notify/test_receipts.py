"""`POST /sms/status`: signed receipts per attempt, never backwards, retries of temporary failures."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text
from twilio.request_validator import RequestValidator

from hotline.notify import sender
from hotline.notify.receipts import Receipt, apply_receipt
from tests.notify.support import attempts, notice, people, plan, run_worker, sending_settings


@pytest.fixture
def app(settings, clock, loopback):
    from hotline.factory import create_app

    flask_app = create_app(sending_settings(settings, loopback), clock=clock)
    flask_app.config["TESTING"] = True
    yield flask_app
    flask_app.extensions["hotline"].engine.dispose()


@pytest.fixture
def srt(app):
    return app.extensions["hotline"]


def post_receipt(client, settings, attempt_id, sid, status, error_code=None, *, sign=True):
    path = f"/sms/status?attempt={attempt_id}" if attempt_id is not None else "/sms/status"
    form = {"MessageSid": sid, "SmsSid": sid, "MessageStatus": status, "AccountSid": settings.twilio_account_sid}
    if error_code:
        form["ErrorCode"] = error_code
    headers = {}
    if sign:
        url = settings.public_url + path
        headers["X-Twilio-Signature"] = RequestValidator(settings.twilio_auth_token).compute_signature(url, form)
    return client.post(path, data=form, headers=headers)


def sent_notice(srt):
    nid = plan(srt, people(srt, 1)[0])
    sender.dispatch(srt)
    run_worker(srt)
    (attempt,) = attempts(srt, nid)
    return nid, attempt


def test_an_unsigned_receipt_is_refused(client, srt):
    nid, attempt = sent_notice(srt)
    response = post_receipt(client, srt.settings, attempt.id, attempt.provider_sid, "delivered", sign=False)
    assert response.status_code == 403
    assert notice(srt, nid).state == "accepted"


def test_delivered_then_a_late_sent_stays_delivered(client, srt):
    nid, attempt = sent_notice(srt)
    assert post_receipt(client, srt.settings, attempt.id, attempt.provider_sid, "delivered").status_code == 200
    assert post_receipt(client, srt.settings, attempt.id, attempt.provider_sid, "sent").status_code == 200

    assert notice(srt, nid).state == "delivered"
    (after,) = attempts(srt, nid)
    assert (after.state, after.provider_status) == ("delivered", "delivered")


def test_30003_leads_to_one_more_attempt(client, srt, loopback):
    nid, first = sent_notice(srt)
    post_receipt(client, srt.settings, first.id, first.provider_sid, "undelivered", "30003")
    assert notice(srt, nid).state == "queued"

    run_worker(srt)
    second = attempts(srt, nid)[1]
    assert notice(srt, nid).state == "accepted"
    assert len(loopback.messages()) == 2
    post_receipt(client, srt.settings, second.id, second.provider_sid, "delivered")

    assert notice(srt, nid).state == "delivered"
    assert [(a.number, a.state, a.error_code) for a in attempts(srt, nid)] == [
        (1, "undelivered", "30003"), (2, "delivered", None)]
    assert first.provider_sid != second.provider_sid


def test_temporary_failures_stop_at_the_configured_number_of_attempts(client, srt):
    nid, attempt = sent_notice(srt)
    for _ in range(srt.settings.notice_max_attempts - 1):
        post_receipt(client, srt.settings, attempt.id, attempt.provider_sid, "undelivered", "30003")
        run_worker(srt)
        attempt = attempts(srt, nid)[-1]
    post_receipt(client, srt.settings, attempt.id, attempt.provider_sid, "undelivered", "30003")

    final = notice(srt, nid)
    assert (final.state, final.failure_reason) == ("undelivered", "30003: undelivered")
    assert len(attempts(srt, nid)) == srt.settings.notice_max_attempts


def test_a_permanent_delivery_failure_is_final(client, srt):
    nid, attempt = sent_notice(srt)
    post_receipt(client, srt.settings, attempt.id, attempt.provider_sid, "undelivered", "30006")
    assert notice(srt, nid).state == "undelivered"
    assert len(attempts(srt, nid)) == 1


def test_an_unknown_message_sid_is_acknowledged_and_ignored(client, srt):
    nid, attempt = sent_notice(srt)
    response = post_receipt(client, srt.settings, None, "SM" + "0" * 32, "delivered")
    assert response.status_code == 200
    assert notice(srt, nid).state == "accepted"


def test_an_attempt_id_that_disagrees_with_the_sid_is_not_trusted(client, srt):
    nid, attempt = sent_notice(srt)
    post_receipt(client, srt.settings, attempt.id, "SM" + "1" * 32, "delivered")
    assert notice(srt, nid).state == "accepted"


def test_a_malformed_receipt_is_a_named_error_not_a_500(client, srt):
    response = post_receipt(client, srt.settings, "abc", "not a sid", "delivered")
    assert response.status_code == 400


def test_a_receipt_that_beats_the_workers_own_write_still_lands(srt):
    """The provider may call back before the worker has written the SID: the attempt id finds it."""
    nid = plan(srt, people(srt, 1)[0])
    sender.dispatch(srt)
    outgoing, _ = sender.claim(srt, [nid])
    (message,) = outgoing
    assert apply_receipt(srt, Receipt(sid="SM" + "2" * 32, status="delivered",
                                      attempt_id=message.attempt_id)) == "recorded"
    from hotline.domain.notices import SendOutcome
    from hotline.gateway import SendResult

    message.result = SendResult(SendOutcome.ACCEPTED, sid="SM" + "2" * 32, status="queued")
    sender.record(srt, outgoing)

    assert notice(srt, nid).state == "delivered"
    (attempt,) = attempts(srt, nid)
    assert (attempt.state, attempt.provider_sid) == ("delivered", "SM" + "2" * 32)


def _waiting_on_a_lock(srt) -> bool:
    with srt.engine.connect() as watcher:
        return bool(watcher.scalar(text(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )))


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_receipt_while_the_worker_writes_its_batch_never_deadlocks_into_a_500(app, srt):
    """The worker records a batch under its notices' locks, then their attempts; a receipt arriving meanwhile
    takes the same order, so it waits its turn and lands (it once took the attempt first: a deadlock, a 500,
    and a notice left `accepted` for 48 hours). PostgreSQL only: SQLite's one write lock cannot deadlock."""
    nid, attempt = sent_notice(srt)
    answers: list = []

    def receipt():
        try:
            answers.append(post_receipt(app.test_client(), srt.settings, attempt.id, attempt.provider_sid,
                                        "delivered").status_code)
        except Exception as error:  # noqa: BLE001 - a failure the test reports
            answers.append(error)

    with srt.engine.connect() as worker:
        batch = worker.begin()
        worker.execute(text("UPDATE notice SET attempt_count = attempt_count WHERE id = :id"), {"id": nid})
        thread = threading.Thread(target=receipt)
        thread.start()
        stop = time.monotonic() + 30
        while not _waiting_on_a_lock(srt):
            assert time.monotonic() < stop, "the receipt never waited for the batch"
            time.sleep(0.01)
        worker.execute(text("UPDATE notice_attempt SET error_message = error_message WHERE id = :id"),
                       {"id": attempt.id})
        batch.commit()
    thread.join(60)

    assert answers == [200]
    assert notice(srt, nid).state == "delivered"


def test_a_receipt_while_the_database_is_down_is_answered_503_so_twilio_sends_it_again(client, srt,
                                                                                      database_outage):
    nid, attempt = sent_notice(srt)
    database_outage.start()
    response = post_receipt(client, srt.settings, attempt.id, attempt.provider_sid, "delivered")
    assert response.status_code == 503 and int(response.headers["Retry-After"]) > 0
    database_outage.end()

    again = post_receipt(client, srt.settings, attempt.id, attempt.provider_sid, "delivered")
    assert again.status_code == 200
    assert notice(srt, nid).state == "delivered"


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_receipt_whose_every_try_is_a_serialization_failure_is_answered_503_not_500(client, srt):
    """SQLite cannot deadlock; on PostgreSQL a receipt that loses every one of its tries is asked for again."""
    nid, attempt = sent_notice(srt)
    with srt.engine.begin() as connection:
        connection.execute(text(
            "CREATE FUNCTION always_conflict() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = 'serialization_failure'; END $$"
        ))
        connection.execute(text("CREATE TRIGGER always_conflict BEFORE UPDATE ON notice_attempt "
                                "FOR EACH ROW EXECUTE FUNCTION always_conflict()"))
    try:
        response = post_receipt(client, srt.settings, attempt.id, attempt.provider_sid, "delivered")
    finally:
        with srt.engine.begin() as connection:
            connection.execute(text("DROP TRIGGER always_conflict ON notice_attempt"))
            connection.execute(text("DROP FUNCTION always_conflict()"))
    assert response.status_code == 503 and int(response.headers["Retry-After"]) > 0
    assert post_receipt(client, srt.settings, attempt.id, attempt.provider_sid, "delivered").status_code == 200
    assert notice(srt, nid).state == "delivered"
