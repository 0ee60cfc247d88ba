"""Twilio posts a webhook again when our answer did not reach it, and sometimes two copies arrive at once:
every copy gets the same answer, and what the step does (here: a text to the caller) happens once."""

from __future__ import annotations

import dataclasses
import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from hotline.cli.phone import FlaskTransport, PhoneCall
from hotline.db import Notice
from hotline.ivr import actions, state
from tests.e2e.voice_world import PIN, World


def _at_violations(app, settings):
    world = World(app.extensions["hotline"])
    caller = world.full()
    call = PhoneCall(FlaskTransport(app.test_client(), settings.public_url, settings.twilio_auth_token), caller.phone)
    call.start()
    call.press("1")
    call.press(PIN)
    assert "共有4条交通违法记录" in call.press("1").text
    return call


def _copies_texted(app, phone) -> int:
    with app.extensions["hotline"].transaction(read_only=True) as session:
        return session.scalar(select(func.count()).select_from(Notice).where(Notice.phone == phone,
                                                                              Notice.kind == "X02"))


def test_a_late_retry_gets_the_same_answer_and_texts_nothing_more(app, settings):
    call = _at_violations(app, settings)
    sent = call.press("8")
    assert "短信已发送" in sent.text
    step = call.last_request[0].split("n=")[1]
    app.extensions["hotline"].redis.delete(f"hotline:ivr:call:{call.call_sid}:lock:{step}")  # long after: expired
    again = call.repeat_last()
    assert again.body == sent.body
    assert _copies_texted(app, call.caller) == 1


def test_two_copies_arriving_together_text_once_and_both_hear_the_answer(app, settings, monkeypatch):
    call = _at_violations(app, settings)
    path = call.turn.action
    params = call._params(Digits="8", msg="Gather End")
    twin = PhoneCall(FlaskTransport(app.test_client(), settings.public_url, settings.twilio_auth_token),
                     call.caller, call_sid=call.call_sid)

    running, release, waiting = threading.Event(), threading.Event(), threading.Event()
    send_copy = actions.REGISTRY["send_copy"]

    def held_send_copy(rt, action_params, call_state):
        running.set()  # the first copy holds the step's lock while its action runs
        assert release.wait(30)
        return send_copy.run(rt, action_params, call_state)

    wait_for_answer = state.wait_for_answer

    def noticed_wait(*args, **kwargs):
        waiting.set()  # the second copy found the step being answered
        return wait_for_answer(*args, **kwargs)

    monkeypatch.setitem(actions.REGISTRY, "send_copy", dataclasses.replace(send_copy, run=held_send_copy))
    monkeypatch.setattr(state, "wait_for_answer", noticed_wait)
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(call._post, path, params)
        assert running.wait(30)
        second = pool.submit(twin._post, path, params)
        assert waiting.wait(30)
        release.set()
        first, second = first.result(30), second.result(30)
    assert "短信已发送" in first.text
    assert second.body == first.body
    assert _copies_texted(app, call.caller) == 1
