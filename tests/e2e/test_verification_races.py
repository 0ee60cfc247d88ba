"""Verification under attack, over real HTTP with Twilio's signatures: many requests at once for one person
or one number, the daily ceiling of one-time codes, and a lock that must not tell whether an ID exists.

The hotline is served by a threaded HTTP server; the requests arrive together from a thread pool (a barrier
lets them go at once), as an attacker with forty phone lines would send them.
"""

from __future__ import annotations

import dataclasses
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from hotline.cli.phone import HttpTransport, PhoneCall
from hotline.db import Notice, VerificationAttempt, VerificationCode, VerificationOutcome
from hotline.services import identity
from hotline.web import create_app
from tests import factories as f
from tests.conftest import free_port
from tests.e2e.voice_world import PIN, WRONG_PIN, World

AT_ONCE = 40


@pytest.fixture
def served(settings, clock):
    """The hotline over HTTP on a free port, its public URL pointing at itself (signatures checked)."""
    port = free_port()
    app = create_app(dataclasses.replace(settings, public_url=f"http://127.0.0.1:{port}"), clock=clock)
    server = make_server("127.0.0.1", port, app, threaded=True)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app
    server.shutdown()
    thread.join(10)
    app.extensions["hotline"].engine.dispose()


def _call(app, phone: str) -> PhoneCall:
    rt = app.extensions["hotline"]
    return PhoneCall(HttpTransport(rt.settings.public_url, rt.settings.twilio_auth_token, timeout=120), phone)


def _all_at_once(actions):
    """Run every action at the same moment (a barrier), in threads; their results in order."""
    barrier = threading.Barrier(len(actions))

    def run(action):
        barrier.wait(60)
        return action()

    with ThreadPoolExecutor(len(actions)) as pool:
        return list(pool.map(run, actions))


def _count(app, model, *where) -> int:
    with app.extensions["hotline"].transaction(read_only=True) as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def test_forty_wrong_pins_at_once_are_judged_five_times_at_most(served):
    world = World(served.extensions["hotline"])
    someone = f.person(pin=PIN)
    world.store(someone)
    party = world.party(someone["phone"])
    calls = [_call(served, someone["phone"]) for _ in range(AT_ONCE)]
    for call in calls:
        call.start()
        assert "密码" in call.press("1").text  # at the PIN prompt

    turns = _all_at_once([lambda call=call: call.press(WRONG_PIN) for call in calls])

    assert all(turn.status == 200 for turn in turns)
    judged = _count(served, VerificationAttempt, VerificationAttempt.party_id == party.id,
                    VerificationAttempt.outcome == VerificationOutcome.FAILURE)
    refused = _count(served, VerificationAttempt, VerificationAttempt.party_id == party.id,
                     VerificationAttempt.outcome == VerificationOutcome.LOCKED)
    assert judged == identity.MAX_FAILURES, f"{judged} PINs judged in one lock window"
    assert refused == AT_ONCE - identity.MAX_FAILURES
    assert sum("锁定" in turn.text for turn in turns) >= AT_ONCE - identity.MAX_FAILURES + 1


def test_forty_calls_at_once_get_no_more_codes_than_the_hourly_cap(served):
    world = World(served.extensions["hotline"])
    someone = f.person(pin=None)
    world.store(someone)
    party = world.party(someone["phone"])
    calls = [_call(served, someone["phone"]) for _ in range(AT_ONCE)]
    for call in calls:
        call.start()

    turns = _all_at_once([lambda call=call: call.press("1") for call in calls])

    assert all(turn.status == 200 for turn in turns)
    issued = _count(served, VerificationCode, VerificationCode.party_id == party.id)
    texted = _count(served, Notice, Notice.kind == "X01", Notice.phone == someone["phone"])
    assert issued == identity.MAX_CODES_PER_HOUR, f"{issued} codes issued where the cap is 5"
    assert texted == identity.MAX_CODES_PER_HOUR
