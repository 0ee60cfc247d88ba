"""Calls the hotline places through the twilio REST client, to the loopback Twilio over real HTTP, with
the hotline served over HTTP so the loopback's signed requests (the call's TwiML, its status callback)
reach it as Twilio's would: an agent's "call now" to a citizen who asked for a callback, and "take next"
ringing the agent with TwiML that dials the queue."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
import requests
from sqlalchemy import select

from hotline.db import CallbackRequest, Notice, QueueEntry
from hotline.services import callbacks, queue
from hotline.services.errors import Refusal
from tests.twilio_signing import signature, signed_post

AGENT = "+8659212123"
CITIZEN = "+8613912345678"
LANDLINE = "+862161234567"  # a Shanghai fixed line: it can be called back, not texted


@pytest.fixture
def settings(settings, loopback):
    """The hotline's REST calls go to the loopback Twilio."""
    return settings.replace(twilio_api_url=loopback.url)


@pytest.fixture
def rt(served_app):
    return served_app.extensions["hotline"]


def ask(rt, number=CITIZEN, language="zh-CN") -> int:
    with rt.transaction() as session:
        return callbacks.request(session, rt.clock.now(), rt.calendar, rt.settings.office_hours, number=number,
                                 party=None, menu_node="main_menu", language=language).id


def call_now(rt, callback_id, staff_id=7):
    with rt.transaction() as session:
        return callbacks.call_now(rt, session, callback_id, staff_id=staff_id, agent_number=AGENT)


def state_of(rt, callback_id) -> CallbackRequest:
    with rt.transaction(read_only=True) as session:
        return session.get(CallbackRequest, callback_id)


def test_call_now_rings_the_citizen_and_connects_them_to_the_agent(rt, loopback):
    callback_id = ask(rt)
    view = call_now(rt, callback_id)
    assert (view.state, view.attempts, view.staff_id) == ("calling", 1, 7)
    (placed,) = loopback.calls()
    assert (placed.to, placed.from_) == (CITIZEN, rt.settings.twilio_from_number)
    assert placed.url.startswith(f"{rt.settings.public_url}/voice/callbacks/connect?id={callback_id}")

    twiml = ET.fromstring(loopback.answer(placed.sid))  # the citizen picks up
    assert "您预约的人工回电正在为您接通" in twiml.find("Say").text
    assert twiml.find("Dial").text == AGENT
    assert twiml.find("Dial").get("action") == f"/voice/callbacks/dialled?id={callback_id}"
    assert "Hangup" in dial_ended(rt, placed.sid, twiml, "completed")  # the agent answered and they spoke
    assert loopback.end(placed.sid, "completed") == 204
    assert state_of(rt, callback_id).state == "done"
    with pytest.raises(Refusal) as caught:
        call_now(rt, callback_id)  # settled: nothing to call
    assert caught.value.code == "callback_not_waiting"


def test_no_answer_twice_makes_the_callback_missed_and_texts_the_citizen(rt, loopback):
    callback_id = ask(rt, language="en")
    call_now(rt, callback_id)
    loopback.end(loopback.calls()[-1].sid, "no-answer")
    row = state_of(rt, callback_id)
    assert (row.state, row.attempts) == ("waiting", 1)  # one more try
    call_now(rt, callback_id, staff_id=8)
    loopback.end(loopback.calls()[-1].sid, "busy")
    row = state_of(rt, callback_id)
    assert (row.state, row.attempts, row.staff_id) == ("missed", 2, 8)
    with rt.transaction(read_only=True) as session:
        (missed,) = session.scalars(select(Notice).where(Notice.phone == CITIZEN, Notice.kind == "X04")).all()
    assert "We called you back twice without an answer" in missed.body
    # A repeated status callback changes nothing and sends nothing more.
    assert loopback.end(loopback.calls()[-1].sid, "busy") == 204
    with rt.transaction(read_only=True) as session:
        assert len(session.scalars(select(Notice).where(Notice.phone == CITIZEN)).all()) == 1


def dial_ended(rt, call_sid, twiml, dial_status) -> str:
    """Twilio asks the Dial's action URL (relative to the connect URL), signed, over HTTP, with how the Dial
    ended."""
    action = twiml.find("Dial").get("action")
    if action is None:  # a Dial that reports nothing: Twilio goes on to the next verb
        return ""
    params = {"CallSid": call_sid, "CallStatus": "in-progress", "DialCallStatus": dial_status}
    response = requests.post(rt.settings.public_url + action, data=params, timeout=10,
                             headers={"X-Twilio-Signature": signature(rt.settings, action, params)})
    assert response.status_code == 200
    return response.text


def texts_to(rt, number) -> list[Notice]:
    with rt.transaction(read_only=True) as session:
        return session.scalars(select(Notice).where(Notice.phone == number)).all()


def test_a_citizen_who_answers_while_the_agent_does_not_is_not_a_callback_done(rt, loopback):
    callback_id = ask(rt, language="en")
    call_now(rt, callback_id)
    placed = loopback.calls()[-1]
    twiml = ET.fromstring(loopback.answer(placed.sid))  # the citizen picks up; the agent's phone rings out
    dial_ended(rt, placed.sid, twiml, "no-answer")
    assert loopback.end(placed.sid, "completed") == 204  # the citizen's leg itself was answered
    row = state_of(rt, callback_id)
    assert (row.state, row.attempts) == ("waiting", 1)  # to be called again, not "done"

    call_now(rt, callback_id, staff_id=8)  # second try: the agent is busy, the citizen reached nobody again
    placed = loopback.calls()[-1]
    dial_ended(rt, placed.sid, ET.fromstring(loopback.answer(placed.sid)), "busy")
    loopback.end(placed.sid, "completed")
    assert (state_of(rt, callback_id).state, state_of(rt, callback_id).attempts) == ("missed", 2)
    (missed,) = texts_to(rt, CITIZEN)
    assert "We called you back twice without an answer" in missed.body


def test_a_missed_callback_to_a_landline_sends_no_text(rt, loopback):
    callback_id = ask(rt, number=LANDLINE)
    for _ in range(2):
        call_now(rt, callback_id)
        assert loopback.end(loopback.calls()[-1].sid, "no-answer") == 204
    assert state_of(rt, callback_id).state == "missed"
    assert texts_to(rt, LANDLINE) == []
    assert loopback.messages(to=LANDLINE) == []


def test_a_provider_that_refuses_leaves_the_callback_waiting(rt, loopback):
    callback_id = ask(rt)
    loopback.fail_next(1, status=500)
    with pytest.raises(Refusal) as caught:
        call_now(rt, callback_id)
    assert caught.value.code == "call_failed"
    assert (state_of(rt, callback_id).state, state_of(rt, callback_id).attempts) == ("waiting", 0)


def join(rt, n: int, minutes_ago: int):
    with rt.transaction() as session:
        queue.join(session, rt.clock.now() - timedelta(minutes=minutes_ago), call_sid=f"CA{n:032x}",
                   number=f"+861391234567{n}", party=None, verified=False, menu_node="main_menu", language="zh-CN")


def test_take_next_rings_the_agent_to_dial_the_queue_and_puts_the_caller_back_if_unanswered(rt, loopback):
    join(rt, 1, minutes_ago=5)
    join(rt, 2, minutes_ago=2)
    with rt.transaction() as session:
        taken = queue.take_next(rt, session, staff_id=3, agent_number=AGENT)
    assert (taken.waited_seconds, taken.number_masked, taken.party) == (300, "139****5671", None)
    (placed,) = loopback.calls()
    assert placed.to == AGENT
    twiml = ET.fromstring(loopback.answer(placed.sid))
    dialled = twiml.find("Dial/Queue")
    assert dialled.text == f"{rt.settings.rq_queue_prefix}-agents"
    assert dialled.get("url") == f"/voice/queue/connected?entry={taken.entry_id}"
    with rt.transaction(read_only=True) as session:
        assert [w.entry_id for w in queue.waiting(session, rt.clock.now())] == [taken.entry_id + 1]

    loopback.end(placed.sid, "no-answer")  # the agent did not pick up: the caller waits first in line again
    with rt.transaction(read_only=True) as session:
        assert [w.position for w in queue.waiting(session, rt.clock.now())] == [1, 2]
        assert queue.waiting(session, rt.clock.now())[0].entry_id == taken.entry_id


def test_twilio_connecting_another_caller_moves_the_record_to_them(rt, loopback, served_app):
    join(rt, 1, minutes_ago=5)
    join(rt, 2, minutes_ago=2)
    with rt.transaction() as session:
        taken = queue.take_next(rt, session, staff_id=3, agent_number=AGENT)
    # Twilio's <Queue url> names the caller it really connected: the second one.
    response = signed_post(served_app.test_client(), rt.settings, f"/voice/queue/connected?entry={taken.entry_id}",
                           {"CallSid": f"CA{2:032x}", "QueueSid": "QU" + "0" * 32, "QueueTime": "120"})
    assert "正在为您接通人工服务" in response.get_data(as_text=True)
    with rt.transaction(read_only=True) as session:
        rows = {row.call_sid: row for row in session.scalars(select(QueueEntry))}
        assert (rows[f"CA{2:032x}"].outcome, rows[f"CA{2:032x}"].staff_id) == ("taken", 3)
        assert rows[f"CA{1:032x}"].left_at is None  # still waiting


def test_take_next_with_nobody_waiting_places_no_call(rt, loopback):
    with rt.transaction() as session:
        assert queue.take_next(rt, session, staff_id=3, agent_number=AGENT) is None
    assert loopback.calls() == []
