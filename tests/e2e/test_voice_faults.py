"""Never a dead line: with Redis gone, the database failing or a bug, the caller still gets valid TwiML."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from hotline.cli.phone import FlaskTransport, PhoneCall
from tests.e2e.voice_world import NIGHT, PIN
from tests.twilio_signing import signed_post


@pytest.fixture
def phone(app, settings):
    def make(number: str) -> PhoneCall:
        return PhoneCall(FlaskTransport(app.test_client(), settings.public_url, settings.twilio_auth_token), number)

    return make


def valid_twiml(body: str) -> ET.Element:
    root = ET.fromstring(body)
    assert root.tag == "Response"
    return root


@pytest.fixture
def redis_down(redis_server):
    redis_server.stop()
    yield
    redis_server.start()


def test_redis_down_at_the_first_ring_apologises_and_offers_a_person(phone, world, redis_down, settings):
    turn = phone(world.full().phone).start()
    assert turn.status == 200
    root = valid_twiml(turn.body)
    assert "系统暂时出现故障" in turn.text and "Sorry" in turn.text
    assert "正在为您转接人工服务" in turn.text
    assert root.find("Dial").text == settings.agent_number  # office hours: a person answers
    assert root.find("Hangup") is not None


def test_redis_down_mid_call_outside_office_hours_ends_politely(phone, world, redis_server, clock):
    clock.set(NIGHT)
    call = phone(world.full().phone)
    call.start()
    call.press("1")
    redis_server.stop()
    try:
        turn = call.press(PIN)
    finally:
        redis_server.start()
    assert turn.status == 200
    root = valid_twiml(turn.body)
    assert root.find("Dial") is None
    assert "人工服务时间为工作日上午8点30分至下午5点30分" in turn.text and root.find("Hangup") is not None


def test_a_database_failure_is_apologised_for_and_a_person_offered(phone, world, settings):
    caller = world.full()
    with world.table_missing("person"):
        call = phone(caller.phone)
        call.start()
        turn = call.press("1")
    assert turn.status == 200
    valid_twiml(turn.body)
    assert "系统暂时出现故障" in turn.text and turn.dialled == [settings.agent_number]


def test_a_database_failure_in_the_middle_of_a_query(phone, world):
    caller = world.full()
    call = phone(caller.phone)
    call.start()
    call.press("1")
    call.press(PIN)
    with world.table_missing("licence"):
        turn = call.press("2")
    assert turn.status == 200 and "系统暂时出现故障" in turn.text


def test_a_bug_behind_the_webhook_still_answers_twiml(app, phone, world, settings, client):
    call = phone(world.full().phone)
    call.start()
    # A corrupted call state stands in for any bug: whatever raises, the caller hears an apology.
    app.extensions["hotline"].redis.set(f"hotline:ivr:call:{call.call_sid}:state", b"{not json")
    turn = call.press("1")
    assert turn.status == 200
    valid_twiml(turn.body)
    assert "Sorry" in turn.text and turn.dialled == [settings.agent_number]


@pytest.mark.parametrize("path", ["/voice/step?n=abc", "/voice/dial?n=-4", "/voice/step"])
def test_odd_webhooks_never_give_a_500(path, client, settings):
    response = signed_post(client, settings, path, {"CallSid": "CA" + "0" * 32, "From": "", "Digits": "#*#*"})
    assert response.status_code == 200
    valid_twiml(response.get_data(as_text=True))
