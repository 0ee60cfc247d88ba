"""Waiting for a person, through signed webhooks on the real app: the queue says where the caller stands
and how long it will be, in their language; 1 leaves it for a callback (confirmed by text, QX cancels);
outside office hours the callback comes at the next working day's opening."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime

from sqlalchemy import select

from hotline.clock import CHINA
from hotline.db import CallbackRequest, QueueEntry
from tests.e2e.test_voice_calls import at_main_menu, texts_to
from tests.e2e.voice_world import NIGHT
from tests.sms.helpers import text


def entries(rt) -> list[QueueEntry]:
    with rt.transaction(read_only=True) as session:
        return list(session.scalars(select(QueueEntry).order_by(QueueEntry.id)))


def requests(rt) -> list[CallbackRequest]:
    with rt.transaction(read_only=True) as session:
        return list(session.scalars(select(CallbackRequest).order_by(CallbackRequest.id)))


def test_zero_puts_the_caller_in_the_queue_and_tells_them_where_they_stand(app, world, dial, settings):
    rt = app.extensions["hotline"]
    caller = world.full()
    call = at_main_menu(dial, caller)
    call.press("1")  # the violations, then 0 from there
    turn = call.press("0")
    assert turn.waiting == "queue" and "正在为您转接人工服务" in turn.text
    enqueue = ET.fromstring(turn.body).find("Enqueue")
    assert enqueue.text == f"{settings.rq_queue_prefix}-agents" and enqueue.get("waitUrl") == "/voice/queue/wait"

    turn = call.hold(position=3, average=0)
    assert "您前面还有2位来电" in turn.text and "如需挂机并由人工回电，请按1" in turn.text
    assert "预计等待" not in turn.text  # nothing measured yet and Twilio has no average: no guess
    gather = ET.fromstring(turn.body).find("Gather")
    assert (gather.get("action"), gather.get("numDigits"), gather.get("timeout")) == ("/voice/queue/key", "1", "40")

    (entry,) = entries(rt)
    assert (entry.number, entry.party_kind, entry.verified, entry.position) == (caller.phone, "person", True, 3)
    assert entry.menu_node == "violations_list" or entry.menu_node.startswith("violation")
    assert entry.left_at is None

    turn = call.hold(position=1, average=150)
    assert "您是下一位" in turn.text and "预计等待约3分钟" in turn.text  # Twilio's average, 150 s rounded up
    assert len(entries(rt)) == 1 and entries(rt)[0].position == 1


def test_the_expected_wait_comes_from_the_measured_handling_time(app, world, dial, clock):
    rt = app.extensions["hotline"]
    first = at_main_menu(dial, world.full())
    first.press("0")
    first.hold(position=1)
    with rt.transaction() as session:
        row = session.scalars(select(QueueEntry)).one()
        row.left_at, row.outcome = clock.now(), "taken"
    clock.advance(minutes=4)
    assert first.leave_queue("bridged").waiting == "hangup"  # talked to a person: thanked and goodbye
    assert entries(rt)[0].ended_at == clock.now()  # 4 minutes handled

    second = at_main_menu(dial, world.full(), english=True)
    second.press("0")
    turn = second.hold(position=2, average=30)
    assert "There is 1 caller ahead of you." in turn.text and "The wait is about 8 minutes." in turn.text
    says = ET.fromstring(turn.body).iter("Say")
    assert all(s.get("language") == "en-US" for s in says)


def test_one_leaves_the_queue_for_a_callback_confirmed_by_text(app, world, dial):
    rt = app.extensions["hotline"]
    caller = world.full()
    call = at_main_menu(dial, caller)
    call.press("0")
    call.hold(position=2)
    turn = call.press("1")
    assert turn.waiting == "leave" and "人工将尽快给您回电" in turn.text and "QX" in turn.text
    turn = call.leave_queue("leave")
    assert "感谢您的来电，再见" in turn.text and turn.waiting == "hangup"

    (request,) = requests(rt)
    assert (request.number, request.party_kind, request.state, request.menu_node) == (
        caller.phone, "person", "waiting", "main_menu")
    assert request.due_at == rt.clock.now()  # in office hours: due at once
    assert entries(rt)[0].outcome == "callback"
    (text,) = [n for n in texts_to(rt, caller.phone) if n.kind == "X04"]
    assert text.body.startswith("【交管12123】") and "我们将尽快致电本号码" in text.body and "回复QX" in text.body

    # Asking again from a second call: the open request stands, and the caller is told when it is due.
    again = at_main_menu(dial, caller)
    again.press("0")
    again.hold()
    assert "您已经预约了回电" in again.press("1").text
    assert len(requests(rt)) == 1


def test_hanging_up_in_the_queue_is_counted_abandoned(app, world, dial):
    rt = app.extensions["hotline"]
    call = at_main_menu(dial, world.full())
    call.press("0")
    call.hold()
    call.hangup()
    (entry,) = entries(rt)
    assert entry.outcome == "abandoned" and entry.left_at is not None


def test_an_unverified_caller_waits_unnamed_and_any_other_key_repeats(app, world, dial):
    rt = app.extensions["hotline"]
    caller = world.full()
    call = dial(caller.phone)
    call.press("1")
    for _ in range(2):
        call.silence()  # no PIN
    turn = call.silence()  # the retries run out: a person
    assert turn.waiting == "queue"
    call.hold(position=1)
    turn = call.press("5")
    assert "您是下一位" in turn.text and turn.waiting == "gather"
    (entry,) = entries(rt)
    assert (entry.verified, entry.number, entry.menu_node) == (False, caller.phone, "ask_pin")


def test_outside_office_hours_a_callback_comes_at_the_next_opening(app, world, dial, clock):
    rt = app.extensions["hotline"]
    clock.set(NIGHT)  # Tuesday 24 November, 20:00
    caller = world.full()
    call = at_main_menu(dial, caller)
    turn = call.press("0")
    assert "非工作时间" in turn.text and "如需人工在2026年11月25日上午8点30分给您回电，请按1" in turn.text
    turn = call.press("1")
    assert "人工将在2026年11月25日上午8点30分给您回电" in turn.text and "回复QX" in turn.text
    assert turn.waiting == "hangup"
    (request,) = requests(rt)
    assert request.due_at == datetime(2026, 11, 25, 8, 30, tzinfo=CHINA)
    (text,) = [n for n in texts_to(rt, caller.phone) if n.kind == "X04"]
    assert "我们将于2026年11月25日08:30起致电本号码" in text.body


def test_outside_office_hours_before_a_holiday_the_callback_waits_for_it_to_end(app, world, dial, clock):
    rt = app.extensions["hotline"]
    clock.set(datetime(2026, 9, 30, 19, 0, tzinfo=CHINA))  # 1-7 October: National Day holiday
    call = at_main_menu(dial, world.full(), english=True)
    turn = call.press("0")
    assert "To have a person call you back on 8 October 2026 at 8:30 AM, press 1." in turn.text
    assert "on 8 October 2026 at 8:30 AM" in call.press("1").text
    assert requests(rt)[0].due_at == datetime(2026, 10, 8, 8, 30, tzinfo=CHINA)


def test_a_withheld_number_cannot_be_called_back(app, world, dial, clock):
    clock.set(NIGHT)
    call = dial("anonymous")
    call.press("1")
    for _ in range(2):
        call.silence()  # no ID number typed
    turn = call.silence()  # the retries run out: a person, who is not there at night
    assert "回电，请按1" in turn.text
    assert "无法为您回电" in call.press("1").text
    assert requests(app.extensions["hotline"]) == []


def test_the_queue_wait_url_checks_the_signature(client):
    assert client.post("/voice/queue/wait", data={"CallSid": "CA" + "0" * 32}).status_code == 403


def test_qx_by_text_withdraws_the_callback_when_nothing_else_is_open(app, client, settings, world, dial):
    rt = app.extensions["hotline"]
    caller = world.full()
    call = at_main_menu(dial, caller)
    call.press("0")
    call.hold()
    call.press("1")
    reply = text(client, settings, caller.phone, "QX")
    assert "已取消人工回电预约" in reply
    assert requests(rt)[0].state == "cancelled"
    # Nothing left to withdraw: QX answers as it always did.
    assert "已取消人工回电预约" not in (text(client, settings, caller.phone, "QX") or "")


def test_qx_lists_a_booking_first_and_leaves_the_callback(app, client, settings, world, dial):
    rt = app.extensions["hotline"]
    caller = world.booked()
    call = at_main_menu(dial, caller)
    call.press("0")
    call.hold()
    call.press("1")
    reply = text(client, settings, caller.phone, "QX")
    assert "已取消人工回电预约" not in reply and "回复QX" in reply
    assert requests(rt)[0].state == "waiting"


def test_qx_from_a_number_on_no_record_withdraws_its_callback(app, client, settings, clock):
    rt = app.extensions["hotline"]
    from hotline.services import callbacks

    with rt.transaction() as session:
        callbacks.request(session, clock.now(), rt.calendar, settings.office_hours, number="+8613912345678",
                          party=None, menu_node="ask_id", language="en")
    assert "Your call back is cancelled." in text(client, settings, "+8613912345678", "QX")
