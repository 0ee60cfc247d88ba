"""Violations by phone, through signed webhooks: self-service handling after hearing the facts and
confirming by key (处理程序规定 art. 58, 52), the 12-point limit (Order 163 art. 17), paying, deferral
(art. 53 ¶2) and objection (art. 5 ¶3); the same rules as by text (services/violation_handling.py)."""

from __future__ import annotations

from sqlalchemy import select

from hotline.cli.phone import FlaskTransport, PhoneCall
from hotline.db import ChangeKind, OutboundChange, ViolationRequest
from tests import factories as f
from tests.e2e.voice_world import PIN


def call_about_a_violation(app, settings, world, *, english=False, points=3, **violation) -> tuple[PhoneCall, dict]:
    """A caller with one camera record (200 yuan, 6 points), at the menu of that violation."""
    someone = f.person(pin=PIN, account="internet", language="en" if english else "zh-CN")
    car = f.vehicle(someone)
    record = f.violation(car, **violation)
    world.store(someone, f.licence(someone, points=points), car, record)
    call = PhoneCall(
        FlaskTransport(app.test_client(), settings.public_url, settings.twilio_auth_token), someone["phone"]
    )
    call.start()
    call.press("9" if english else "1")
    call.press(PIN)
    listing = call.press("1")
    assert ("To handle, pay, defer or object" if english else "处理、缴款、延期或异议请按2") in listing.text
    choose = call.press("2")
    assert ("press 1" if english else "请按1") in choose.text
    menu = call.press("1")
    assert ("To handle this violation yourself, press 1" if english else "自助处理这条违法请按1") in menu.text
    return call, {"person": someone, "car": car, "violation": record}


def requests(app) -> list[tuple[str, str, str, int | None]]:
    with app.extensions["hotline"].transaction(read_only=True) as session:
        rows = session.scalars(select(ViolationRequest).order_by(ViolationRequest.id))
        return [(r.kind, r.status, r.channel, r.months) for r in rows]


def feed(app) -> list[str]:
    with app.extensions["hotline"].transaction(read_only=True) as session:
        return [c.kind for c in session.scalars(select(OutboundChange).order_by(OutboundChange.id))]


def test_art58_handle_after_hearing_the_facts_and_pressing_1(app, settings, world):
    call, _ = call_about_a_violation(app, settings, world)
    facts = call.press("1").text
    assert "罚款" in facts and "记6分" in facts and "累计9分" in facts and "简易程序" in facts
    assert "确认是您本人驾驶并自助处理请按1" in facts
    assert requests(app) == []
    assert "自助处理申请已提交" in call.press("1").text
    assert requests(app) == [("handle", "pending", "voice", None)]
    assert feed(app) == [ChangeKind.VIOLATION_HANDLING]


def test_art52_a_fine_above_200_yuan_is_refused_before_any_confirmation(app, settings, world):
    call, _ = call_about_a_violation(app, settings, world, fine_cny=500)
    turn = call.press("1").text
    assert "一般程序" in turn and "窗口" in turn
    assert requests(app) == []


def test_order163_art17_reaching_12_points_goes_to_a_window(app, settings, world):
    call, _ = call_about_a_violation(app, settings, world, points=6)
    turn = call.press("1").text
    assert "将达到12分" in turn and "窗口" in turn
    assert requests(app) == []


def test_art53_defer_by_up_to_three_months(app, settings, world):
    call, _ = call_about_a_violation(app, settings, world)
    lengths = call.press("3").text
    assert "延期处理最长三个月" in lengths and "延期2个月，请按2" in lengths
    assert "延期3个月，请按1" in call.press("9").text
    confirm = call.press("1").text
    assert "延期处理3个月" in confirm and "2027年3月25日" in confirm
    assert "延期处理申请已提交" in call.press("1").text
    assert requests(app) == [("defer", "pending", "voice", 3)]


def test_art5_object_examined_within_five_days(app, settings, world):
    call, _ = call_about_a_violation(app, settings, world)
    assert "五日内审查" in call.press("4").text
    assert "11月29日前审查" in call.press("1").text
    assert requests(app) == [("object", "pending", "voice", None)]
    assert feed(app) == [ChangeKind.VIOLATION_OBJECTION]


def test_payment_information_by_voice(app, settings, world):
    call, _ = call_about_a_violation(
        app,
        settings,
        world,
        handled=True,
        decided_at="2026-11-21T09:00:00+08:00",
        payment_reference="350200260001234567",
    )
    turn = call.press("2").text
    assert "缴款编号" in turn and "今日应缴" in turn and "本热线不收取任何款项" in turn


def test_english(app, settings, world):
    call, _ = call_about_a_violation(app, settings, world, english=True)
    facts = call.press("1").text
    assert "fine" in facts and "6 points" in facts and "confirm that you were the driver" in facts
    assert "Your request to handle it is in" in call.press("1").text
    assert requests(app) == [("handle", "pending", "voice", None)]
