"""Two hotlines sharing one Redis (HOTLINE_RQ_QUEUE_PREFIX differs) keep their calls apart.

A CallSid is unique per Twilio account, not across two deployments (a test and a live hotline, two
cities): with the call state under a fixed `ivr:call:` key, the same CallSid on both would step one call
from the other's state.
"""

from __future__ import annotations

import pytest

from hotline.cli.phone import FlaskTransport, PhoneCall
from hotline.factory import create_app
from tests.e2e.voice_world import PIN, World


@pytest.fixture
def two_hotlines(settings, clock):
    apps = [create_app(settings.replace(rq_queue_prefix=prefix), clock=clock)
            for prefix in ("city-a", "city-b")]
    yield apps
    for app in apps:
        app.extensions["hotline"].engine.dispose()


def test_the_same_callsid_on_two_hotlines_sharing_redis_keeps_two_calls(two_hotlines, settings):
    first, second = two_hotlines
    caller = World(first.extensions["hotline"]).full()
    sid = "CA" + "5" * 32

    def call(app) -> PhoneCall:
        transport = FlaskTransport(app.test_client(), settings.public_url, settings.twilio_auth_token)
        return PhoneCall(transport, caller.phone, call_sid=sid)

    on_a, on_b = call(first), call(second)
    on_a.start()
    on_a.press("1")
    assert "交通违法查询请按1" in on_a.press(PIN).text  # city A's call is at its main menu
    greeting = on_b.start()
    assert "For English, press 9" in greeting.text  # city B's call starts at its own greeting
    english = on_b.press("9").text  # B's caller chooses English where A's chose Mandarin at the same step
    assert "PIN" in english and "请输入" not in english
    keys = {key.decode() for key in first.extensions["hotline"].redis.scan_iter(match="*ivr:call*")}
    assert keys and all(key.startswith(("city-a:", "city-b:")) for key in keys)
    on_b.hangup()
    assert "违法记录" in on_a.press("1").text or "交通违法" in on_a.turn.text  # A's call goes on
