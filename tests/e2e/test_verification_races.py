"""Verification under attack, over real HTTP with Twilio's signatures: many requests at once for one person
or one number, the daily ceiling of one-time codes, and a lock that must not tell whether an ID exists.

The hotline is served by a threaded HTTP server; the requests arrive together from a thread pool (a barrier
lets them go at once), as an attacker with forty phone lines would send them.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import event, func, select

from hotline.cli.phone import HttpTransport, PhoneCall
from hotline.db import Notice, VerificationAttempt, VerificationCode
from hotline.domain.verification import VerificationOutcome
from hotline.services import identity
from tests import factories as f
from tests.e2e.voice_world import PIN, UNKNOWN_ID, WRONG_PIN, World, keyed

AT_ONCE = 40
CODES_A_DAY = 10  # per person and per receiving number (README, "Who is calling")


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


def test_forty_wrong_pins_at_once_are_judged_five_times_at_most(served_app):
    world = World(served_app.extensions["hotline"])
    someone = f.person(pin=PIN)
    world.store(someone)
    party = world.party(someone["phone"])
    calls = [_call(served_app, someone["phone"]) for _ in range(AT_ONCE)]
    for call in calls:
        call.start()
        assert "密码" in call.press("1").text  # at the PIN prompt

    turns = _all_at_once([lambda call=call: call.press(WRONG_PIN) for call in calls])

    assert all(turn.status == 200 for turn in turns)
    judged = _count(served_app, VerificationAttempt, VerificationAttempt.party_id == party.id,
                    VerificationAttempt.outcome == VerificationOutcome.FAILURE)
    refused = _count(served_app, VerificationAttempt, VerificationAttempt.party_id == party.id,
                     VerificationAttempt.outcome == VerificationOutcome.LOCKED)
    assert judged == identity.MAX_FAILURES, f"{judged} PINs judged in one lock window"
    assert refused == AT_ONCE - identity.MAX_FAILURES
    assert sum("锁定" in turn.text for turn in turns) >= AT_ONCE - identity.MAX_FAILURES + 1


def test_forty_calls_at_once_get_no_more_codes_than_the_hourly_cap(served_app):
    world = World(served_app.extensions["hotline"])
    someone = f.person(pin=None)
    world.store(someone)
    party = world.party(someone["phone"])
    calls = [_call(served_app, someone["phone"]) for _ in range(AT_ONCE)]
    for call in calls:
        call.start()

    turns = _all_at_once([lambda call=call: call.press("1") for call in calls])

    assert all(turn.status == 200 for turn in turns)
    issued = _count(served_app, VerificationCode, VerificationCode.party_id == party.id)
    texted = _count(served_app, Notice, Notice.kind == "X01", Notice.phone == someone["phone"])
    assert issued == identity.MAX_CODES_PER_HOUR, f"{issued} codes issued where the cap is 5"
    assert texted == identity.MAX_CODES_PER_HOUR


def _codes_for(app, phone: str) -> int:
    return _count(app, Notice, Notice.kind == "X01", Notice.phone == phone)


def test_one_person_gets_at_most_ten_codes_a_day_though_five_an_hour_are_allowed(served_app, clock):
    world = World(served_app.extensions["hotline"])
    someone = f.person(pin=None)
    world.store(someone)
    heard = []
    for _hour in range(4):  # 4 hours of 5 calls: 20 codes asked for, each hour within the hourly cap
        clock.advance(hours=1, minutes=1)
        for _ in range(identity.MAX_CODES_PER_HOUR):
            call = _call(served_app, someone["phone"])
            call.start()
            heard.append(call.press("1").text)

    assert _codes_for(served_app, someone["phone"]) == CODES_A_DAY
    refused = 4 * identity.MAX_CODES_PER_HOUR - CODES_A_DAY
    assert sum("无法发送验证码" in text for text in heard) == refused
    clock.advance(hours=24)  # a day after the first code: one may come again
    call = _call(served_app, someone["phone"])
    call.start()
    call.press("1")
    assert _codes_for(served_app, someone["phone"]) == CODES_A_DAY + 1


def test_one_receiving_number_gets_at_most_ten_codes_a_day_whoever_they_are_for(served_app, clock):
    world = World(served_app.extensions["hotline"])
    family = [f.person(pin=None)]
    family += [f.person(pin=None, phone=family[0]["phone"]) for _ in range(2)]
    world.store(*family)
    phone = family[0]["phone"]
    for _hour in range(3):  # 3 hours of 2 calls for each of 3 people: 18 codes, 6 a person
        clock.advance(hours=1, minutes=1)
        for member in family * 2:
            call = _call(served_app, phone)
            call.start()
            call.press("1")  # the family phone asks for the last 4 of the ID number
            call.press(member["id_number"][-4:].replace("X", "*"))

    assert _codes_for(served_app, phone) == CODES_A_DAY


def test_a_locked_id_number_sounds_and_works_like_an_unknown_one(served_app):
    """Five wrong codes against a known ID lock that person; a caller from another number then typing that
    ID must hear exactly what an unknown ID gets, and cost the hotline the same work (statements)."""
    app = served_app
    rt = app.extensions["hotline"]
    world = World(rt)
    someone = f.person(pin=None)
    world.store(someone)
    party = world.party(someone["phone"])
    with rt.transaction() as session:
        for _ in range(identity.MAX_FAILURES):
            identity.verify_code(session, rt.clock, rt.settings, party, WRONG_PIN, f.valid_phone())
        assert identity.lock_state(session, rt.clock, party, f.valid_phone()) is not None

    statements = []

    def counted(*_args):
        statements.append(1)

    def dialogue(id_number: str) -> tuple[list[str], list[int]]:
        call = _call(app, f.valid_phone())
        call.start()
        call.press("1")
        work = []
        said = []
        for entry in [keyed(id_number), WRONG_PIN, WRONG_PIN]:
            statements.clear()
            said.append(call.press(entry).text)
            work.append(len(statements))
        return said, work

    event.listen(rt.engine, "before_cursor_execute", counted)
    try:
        known, known_work = dialogue(someone["id_number"])
        unknown, unknown_work = dialogue(UNKNOWN_ID)
    finally:
        event.remove(rt.engine, "before_cursor_execute", counted)

    assert known == unknown
    assert "锁定" not in " ".join(known)
    assert known_work == unknown_work
    assert _codes_for(app, someone["phone"]) == 0  # and the locked person was texted nothing
