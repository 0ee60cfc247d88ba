"""What a service team relies on: health under faults, metrics that move, logs without personal data."""

from __future__ import annotations

import io
import logging
import re
import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import select

from hotline.cli.phone import FlaskTransport, PhoneCall
from hotline.db import Person
from hotline.logs import JsonFormatter
from tests.e2e.voice_world import PIN
from tests.twilio_signing import signed_post

# An 18-character resident ID or an 11-digit mainland mobile, written in any of the ways people write it.
UNMASKED_ID = re.compile(r"(?<![0-9A-Za-z*])\d{17}[0-9Xx](?![0-9A-Za-z])")
UNMASKED_MOBILE = re.compile(r"(?<!\d)(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?!\d)")


@pytest.fixture
def captured_logs():
    """Every line the hotline logs, formatted exactly as production writes it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    loggers = [logging.getLogger(name) for name in ("hotline", "rq.worker", "workers")]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    yield stream
    for logger in loggers:
        logger.removeHandler(handler)


def call(app, settings, phone: str) -> PhoneCall:
    phone_call = PhoneCall(FlaskTransport(app.test_client(), settings.public_url, settings.twilio_auth_token), phone)
    phone_call.start()
    return phone_call


def test_with_redis_stopped_healthz_says_so_and_the_voice_webhook_still_answers(client, settings, redis_server):
    redis_server.stop()
    health = client.get("/healthz")
    assert health.status_code == 503 and health.json["checks"]["redis"] == "unavailable"
    response = signed_post(client, settings, "/voice/incoming",
                           {"CallSid": "CA" + "d" * 32, "From": "+8613800138000", "To": "+8659212123"})
    assert response.status_code == 200
    root = ET.fromstring(response.data)
    assert root.tag == "Response" and list(root), "an empty answer would be silence on the line"


def test_metrics_move_after_a_scripted_call_and_a_text(app, client, settings, world):
    def scrape() -> str:
        return client.get("/metrics", headers={"Authorization": f"Bearer {settings.metrics_token}"}).get_data(True)

    def value(body: str, sample: str) -> float:
        match = re.search(rf"^{re.escape(sample)} ([0-9.e+]+)$", body, flags=re.MULTILINE)
        return float(match.group(1)) if match else 0.0

    before = scrape()
    caller = world.full()
    phone_call = call(app, settings, caller.phone)
    phone_call.press("1")
    phone_call.press("000000")  # a wrong PIN
    phone_call.press(PIN)
    signed_post(client, settings, "/sms/incoming", {"MessageSid": "SMops1", "From": caller.phone, "Body": "WZ"})
    after = scrape()

    def moved(sample: str) -> float:
        return value(after, sample) - value(before, sample)

    assert moved('hotline_ivr_steps_total{kind="start"}') == 1
    assert moved('hotline_ivr_steps_total{kind="input"}') == 3
    assert value(after, 'hotline_verification_failures_total{method="pin"}') == (
        value(before, 'hotline_verification_failures_total{method="pin"}') + 1)
    assert value(after, 'hotline_sms_keywords_total{keyword="violations"}') == (
        value(before, 'hotline_sms_keywords_total{keyword="violations"}') + 1)
    assert value(after, 'hotline_webhook_seconds_count{route="/sms/incoming"}') == (
        value(before, 'hotline_webhook_seconds_count{route="/sms/incoming"}') + 1)
    assert 'hotline_notices{kind="X02"' in after or "hotline_notices" in after


def test_a_full_conversation_leaves_no_id_number_or_phone_number_in_the_logs(app, client, settings, world,
                                                                            captured_logs):
    caller = world.full()
    with app.extensions["hotline"].transaction(read_only=True) as session:
        id_number = session.scalars(select(Person.id_number).where(Person.phone == caller.phone)).one()
    phone_call = call(app, settings, caller.phone)
    phone_call.press("1")
    phone_call.press(PIN)
    for key in ("1", "8", "#", "2", "8", "#", "3"):
        phone_call.press(key)
    for body in ("WZ", "JSZ", "CL", "KS", "JY", "TD", "订阅", "nonsense"):
        signed_post(client, settings, "/sms/incoming", {"MessageSid": f"SM{body}", "From": caller.phone,
                                                          "Body": body})
    # An unknown caller who types a whole ID number, and a bad upstream record naming a phone number.
    stranger = call(app, settings, "+8613999990000")
    stranger.press("1")
    stranger.press("350203199001011234#")
    client.post("/api/events", json=[{"type": "person", "id_number": id_number, "name": "林小明",
                                      "phone": "010 6552 9988"}],
                headers={"Authorization": f"Bearer {settings.api_token}"})

    # A careless line a future change might add: the shared formatter must mask it too.
    logging.getLogger("hotline.web").warning("caller %s typed %s", caller.phone, id_number)

    logged = captured_logs.getvalue()
    assert logged.count("\n") >= 20, "the conversation should have been logged line by line"
    assert not UNMASKED_ID.findall(logged)
    assert not UNMASKED_MOBILE.findall(logged)
    assert id_number not in logged and caller.phone not in logged
