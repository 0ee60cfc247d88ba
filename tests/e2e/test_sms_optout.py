"""Opting out by text: our TD / 退订 / T, Twilio's own STOP / START mirrored, and the notices that follow."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hotline.db import ChangeKind, OutboundChange, Person, PhonePreference
from hotline.notify import sender
from tests.factories import person, store
from tests.notify.support import notice, plan, run_worker, sending_runtime
from tests.sms.helpers import read, text


@pytest.fixture
def someone(session):
    p = person(phone="+8613800138000")
    store(session, p)
    return p


def preference(session, phone) -> tuple[bool, bool, str | None] | None:
    [pref] = read(session, select(PhonePreference).where(PhonePreference.phone == phone)) or [None]
    return None if pref is None else (pref.opted_out, pref.provider_blocked, pref.opt_out_source)


def feed(session) -> list[tuple[str, str]]:
    return [(c.kind, c.payload["source"]) for c in read(session, select(OutboundChange).order_by(OutboundChange.id))]


@pytest.mark.parametrize("word", ["TD", "td", "退订", "T", "ＴＤ。"])
def test_td_stops_notices_and_says_how_to_resume(client, settings, session, someone, word):
    reply = text(client, settings, someone["phone"], word)
    assert "已退订" in reply and "回复订阅可恢复" in reply
    assert preference(session, someone["phone"]) == (True, False, "td")
    assert feed(session) == [(ChangeKind.OPT_OUT, "td")]


def test_subscribe_resumes(client, settings, session, someone):
    text(client, settings, someone["phone"], "TD")
    assert "已恢复提醒短信" in text(client, settings, someone["phone"], "订阅")
    assert preference(session, someone["phone"])[:2] == (False, False)
    assert feed(session) == [(ChangeKind.OPT_OUT, "td"), (ChangeKind.OPT_IN, "sms")]
    assert "您未退订" in text(client, settings, someone["phone"], "订阅")


def test_twilio_stop_is_mirrored_and_left_to_twilio_to_answer(client, settings, session, someone):
    reply = text(client, settings, someone["phone"], "STOP", OptOutType="STOP")
    assert reply is None  # Twilio sends its own confirmation; a reply of ours would be blocked anyway
    assert preference(session, someone["phone"]) == (True, True, "twilio_stop")
    assert feed(session) == [(ChangeKind.OPT_OUT, "twilio_stop")]


def test_after_twilio_stop_our_subscribe_says_start_is_needed(client, settings, session, someone):
    text(client, settings, someone["phone"], "UNSUBSCRIBE", OptOutType="STOP")
    reply = text(client, settings, someone["phone"], "订阅")
    assert "START" in reply
    assert preference(session, someone["phone"])[:2] == (True, True)  # still no notices: Twilio blocks

    # an English word from a number that chose no language is answered in English
    assert "Reminders are on again" in text(client, settings, someone["phone"], "START", OptOutType="START")
    assert preference(session, someone["phone"])[:2] == (False, False)
    assert feed(session) == [(ChangeKind.OPT_OUT, "twilio_stop"), (ChangeKind.OPT_IN, "start")]


def test_stop_where_the_provider_does_not_handle_it_is_our_own_opt_out(client, settings, session, someone):
    assert "no more reminders" in text(client, settings, someone["phone"], "STOP")
    assert "已退订" in text(client, settings, someone["phone"], "退订")
    assert preference(session, someone["phone"]) == (True, False, "stop")


def test_twilio_help_gets_our_help(client, settings, someone):
    assert "Reply WZ violations" in text(client, settings, someone["phone"], "HELP", OptOutType="HELP")
    assert "回复：WZ违法" in text(client, settings, someone["phone"], "帮助")


def test_td_then_a_due_notice_sends_nothing_to_that_number(client, settings, session, clock, loopback, someone):
    other = person()
    store(session, other)
    assert "已退订" in text(client, settings, someone["phone"], "TD")

    rt = sending_runtime(settings, clock, loopback)
    try:
        with rt.sessions() as s:
            people = {p.phone: p for p in s.scalars(select(Person))}
        opted, control = plan(rt, people[someone["phone"]]), plan(rt, people[other["phone"]])
        sender.dispatch(rt)
        run_worker(rt)
        assert (notice(rt, opted).state, notice(rt, opted).skip_reason) == ("skipped", "opted out")
        assert notice(rt, control).state == "accepted"  # the sender did run, and sends to others
        assert loopback.messages(to=someone["phone"]) == []

        assert "已恢复" in text(client, settings, someone["phone"], "订阅")
        again = plan(rt, people[someone["phone"]])
        sender.dispatch(rt)
        run_worker(rt)
        assert notice(rt, again).state == "accepted"
        assert len(loopback.messages(to=someone["phone"])) == 1
    finally:
        rt.engine.dispose()
