"""Senders that are no phone number, checked at the door of the signed webhooks.

Twilio signs whatever it posts, and `From` may be `client:alice` (a softphone), `anonymous`, or, from a
misbehaving gateway, 5,000 digits. A text from such a sender is not answered and leaves nothing behind: no
opt-out in the change feed, no conversation, no Redis key. A call from one is a call from a withheld
number (asked for an ID number, its attempts counted as the anonymous caller's). A webhook without a
CallSid of Twilio's shape gets a polite goodbye and shares no call state with any other.
"""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from hotline.cli.phone import FlaskTransport, PhoneCall
from hotline.db import PhonePreference, VerificationAttempt
from tests.factories import person, store
from tests.sms.helpers import read, text
from tests.twilio_signing import signed_post

API = {"Authorization": "Bearer dev-api-token"}
NOT_NUMBERS = {
    "softphone": "client:alice",
    "5000 digits": "+" + "8" * 5000,
    "400 KB": "+86" + "1" * 400_000,
    "empty": "",
    "withheld": "anonymous",
    "full-width digits": "+８６１３８００１３８０００",
    "no plus": "8613800138000",
}


def redis_keys(app) -> list[bytes]:
    return list(app.extensions["hotline"].redis.scan_iter(count=1000))


@pytest.mark.parametrize("sender", NOT_NUMBERS.values(), ids=NOT_NUMBERS.keys())
def test_a_text_from_a_sender_that_is_no_phone_number_is_not_answered_and_keeps_nothing(
        app, client, settings, session, hotline_logs, sender):
    for word, opt_out_type in (("TD", None), ("STOP", "STOP"), ("WZ", None)):
        extra = {"OptOutType": opt_out_type} if opt_out_type else {}
        assert text(client, settings, sender, word, **extra) is None, word
    assert read(session, select(PhonePreference)) == []
    changes = client.get("/api/changes", headers=API).get_json()
    assert changes["changes"] == []  # no opt-out exported upstream
    assert redis_keys(app) == []  # no rate-limit counter, no conversation: nothing named after the sender
    lines = hotline_logs.at_least(logging.WARNING)
    assert [line.getMessage() for line in lines] == ["sms not answered: From is not a phone number"] * 3
    assert not hotline_logs.tracebacks()


def test_a_text_to_a_number_that_is_no_phone_number_is_not_answered(app, client, settings, session, hotline_logs):
    someone = person(phone="+8613800138000")
    store(session, someone)
    assert text(client, settings, someone["phone"], "TD", To="client:hotline") is None
    assert read(session, select(PhonePreference)) == [] and redis_keys(app) == []
    [line] = hotline_logs.at_least(logging.WARNING)
    assert "To is not a phone number" in line.getMessage()


def test_texts_to_the_hotlines_own_numbers_are_still_answered(client, settings, session):
    someone = person(phone="+8613800138000")
    store(session, someone)
    # The Twilio number texts come to, the voice number (a service number phonenumbers calls possible only).
    for to in (settings.twilio_from_number, "+8612123", "+8659212123"):
        assert "已退订" in text(client, settings, someone["phone"], "TD", To=to)


def call_from(app, settings, caller: str, to: str = "+8612123") -> PhoneCall:
    call = PhoneCall(FlaskTransport(app.test_client(), settings.public_url, settings.twilio_auth_token), caller, to)
    call.start()
    return call


@pytest.mark.parametrize("caller", ["client:alice", "+" + "9" * 5000, "anonymous"],
                         ids=["softphone", "5000 digits", "withheld"])
def test_a_caller_without_a_number_is_asked_for_an_id_number_and_counted_as_anonymous(
        app, settings, world, hotline_logs, caller):
    someone = world.stranger()  # a person on record; the caller knows their ID number
    id_number = someone.entries["ask_id"][0][0]  # the known person's, keyed with * for X and # to end
    call = call_from(app, settings, caller)
    assert "请输入您的18位身份证号码" in call.press("1").text
    turn = call.press(id_number)
    assert "我们已向登记的手机号码发送了6位验证码" in turn.text
    rt = app.extensions["hotline"]
    with rt.transaction(read_only=True) as session:
        numbers = session.scalars(select(VerificationAttempt.calling_number)).all()
    assert numbers == ["anonymous"]
    # The call state keeps no copy of the sender: every key and value in Redis stays small.
    assert all(len(key) < 200 and len(rt.redis.dump(key) or b"") < 20_000 for key in redis_keys(app))
    assert not hotline_logs.at_least(logging.WARNING)


def test_signed_webhooks_without_a_callsid_share_no_call_state(app, client, settings, world, hotline_logs):
    first, second = world.full().phone, world.full().phone
    for caller in (first, second):
        response = signed_post(client, settings, "/voice/incoming", {"CallSid": "", "From": caller, "To": "+8612123"})
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        assert "本次来电无法受理" in body and "<Hangup />" in body and "<Gather" not in body
    for path in ("/voice/step?n=1", "/voice/dial?n=1"):
        response = signed_post(client, settings, path, {"CallSid": "", "From": first, "Digits": "1"})
        assert response.status_code == 200 and "<Hangup />" in response.get_data(as_text=True)
    response = signed_post(client, settings, "/voice/status", {"CallSid": "", "CallStatus": "completed"})
    assert response.status_code == 204
    assert redis_keys(app) == []
    # One line for each webhook, none of them an error.
    assert len(hotline_logs.at_least(logging.WARNING)) == 5 and not hotline_logs.tracebacks()


@pytest.mark.parametrize("call_sid", ["CA" + "1" * 5000, "CA" + "g" * 32, "CA1", "SM" + "1" * 32],
                         ids=["5000 digits", "not hex", "short", "a message sid"])
def test_a_callsid_not_of_twilios_shape_is_answered_politely_with_no_state(app, client, settings, world, call_sid):
    response = signed_post(client, settings, "/voice/incoming",
                           {"CallSid": call_sid, "From": world.full().phone, "To": "+8612123"})
    assert response.status_code == 200 and "<Hangup />" in response.get_data(as_text=True)
    assert redis_keys(app) == []


def test_a_call_to_a_number_that_is_no_phone_number_is_answered_politely_with_no_state(app, settings, world):
    call = call_from(app, settings, world.full().phone, to="client:hotline")
    assert call.turn.waiting == "hangup" and "本次来电无法受理" in call.turn.text
    assert redis_keys(app) == []


def test_calls_to_the_hotlines_own_numbers_are_still_answered(app, settings, world):
    for to in ("+8612123", "+8659212123", settings.twilio_from_number):
        greeted = call_from(app, settings, world.full().phone, to=to).turn
        assert greeted.waiting == "gather" and "继续普通话服务请按1" in greeted.text
