"""Conversations a caller notices, through signed webhooks: the facts, the keys, the people, the locks."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import func, select

from hotline.cli.phone import PhoneCall
from hotline.db import InspectionBooking, Notice
from hotline.ivr import state
from tests.e2e.voice_world import NIGHT, PIN, UNKNOWN_ID, WRONG_PIN, keyed
from tests.twilio_signing import signed_post


def at_main_menu(dial, caller, english=False) -> PhoneCall:
    call = dial(caller.phone)
    call.press("9" if english else "1")
    turn = call.press(PIN)
    assert "交通违法查询请按1" in turn.text or "For traffic violations, press 1" in turn.text
    return call


def texts_to(rt, phone):
    with rt.transaction(read_only=True) as session:
        return list(session.scalars(select(Notice).where(Notice.phone == phone).order_by(Notice.id)))


def test_violations_are_read_for_a_listener_and_can_come_by_text(app, world, dial):
    caller = world.full()
    call = at_main_menu(dial, caller)
    turn = call.press("1")
    assert "共有4条交通违法记录" in turn.text
    assert "罚款200元" in turn.text and "记6分" in turn.text and "2026年11月18日" in turn.text
    assert "车牌闽，D，" in turn.text  # character by character
    assert "听后面的记录请按1" in turn.text
    turn = call.press("1")
    assert "第4条" in turn.text and "应缴248元" in turn.text  # 200 + 24 % late fee, in yuan
    turn = call.press("8")
    assert "短信已发送" in turn.text
    copies = [n for n in texts_to(app.extensions["hotline"], caller.phone) if n.kind == "X02"]
    assert len(copies) == 1 and copies[0].state == "queued"  # a worker sends it, not the webhook
    assert copies[0].body.startswith("【交管12123】") and "4条交通违法记录" in copies[0].body


def test_english_callers_hear_the_english_voice(world, dial, settings):
    caller = world.full()
    call = at_main_menu(dial, caller, english=True)
    turn = call.press("2")
    assert "Your driving licence covers C1" in turn.text and "15 March 2031" in turn.text
    says = ET.fromstring(turn.body).iter("Say")
    assert {(s.get("voice"), s.get("language")) for s in says} == {(settings.voice_en, settings.voice_en_language)}


def test_the_greeting_is_mandarin_with_an_english_line(dial, settings, world):
    caller = world.full()
    call = dial(caller.phone)
    gather = ET.fromstring(call.turn.body).find("Gather")
    assert gather.get("numDigits") == "1" and gather.get("finishOnKey") == "" and gather.get("input") == "dtmf"
    voices = [(s.get("language"), s.text) for s in gather.iter("Say")]
    assert voices[0][0] == settings.voice_zh_language and "欢迎致电交管幺二幺二三" in voices[0][1]
    assert voices[1] == (settings.voice_en_language, "For English, press 9.")


def test_wrong_keys_get_a_short_reprompt_then_a_person(world, dial, settings):
    call = at_main_menu(dial, world.full())
    for _ in range(2):
        turn = call.press("7")
        assert turn.text.startswith("对不起，您的输入有误。") and turn.waiting == "gather"
    turn = call.press("7")
    assert turn.waiting == "queue" and turn.wait_url == "/voice/queue/wait"


def test_silence_until_the_exit_outside_office_hours_hears_the_hours(world, dial, clock):
    clock.set(NIGHT)
    call = at_main_menu(dial, world.full())
    for _ in range(2):
        assert call.silence().text.startswith("对不起，没有听到您的按键。")
    turn = call.silence()
    assert "非工作时间" in turn.text and "上午8点30分至下午5点30分" in turn.text and "短信" in turn.text
    assert "回电，请按1" in turn.text  # a callback at the next opening is offered
    assert call.silence().waiting == "hangup"


def test_star_repeats_hash_goes_back_and_zero_queues_for_a_person(world, dial, settings):
    call = at_main_menu(dial, world.full())
    menu = call.press("4")
    assert "预约考试请按2" in menu.text
    assert call.press("*").text == menu.text
    assert "交通违法查询请按1" in call.press("#").text
    turn = call.press("0")
    assert turn.waiting == "queue"
    turn = call.leave_queue("queue-full")  # Twilio could not queue the call
    assert "人工座席正忙" in turn.text and "短信" in turn.text and turn.waiting == "hangup"


def test_a_repeated_webhook_gets_the_same_answer_and_books_once(app, world, dial):
    rt = app.extensions["hotline"]
    call = at_main_menu(dial, world.full())
    call.press("5")
    call.press("1")  # book
    call.press("1")  # the first car
    call.press("1")  # the first slot
    booked = call.press("1")  # confirm
    assert "检验预约成功" in booked.text
    again = call.repeat_last()  # Twilio did not get our answer and posts the same step again
    assert again.body == booked.body
    with rt.transaction(read_only=True) as session:
        assert session.scalar(select(func.count()).select_from(InspectionBooking)) == 1


def test_five_wrong_pins_lock_verification_and_offer_a_person(world, dial, settings):
    caller = world.full()
    call = dial(caller.phone)
    call.press("1")
    for _ in range(4):
        assert "请重新输入6位服务密码" in call.press(WRONG_PIN).text
    turn = call.press(WRONG_PIN)
    assert "验证失败次数过多" in turn.text and "上午10点15分以后再试" in turn.text  # locked at 10:00 for 15 minutes
    assert "转人工服务请按0" in turn.text
    assert call.press("0").waiting == "queue"

    later = dial(caller.phone)  # calling back at once does not get another try
    turn = later.press("1")
    assert "验证失败次数过多" in turn.text


def test_an_unknown_number_entering_an_id_hears_the_same_whether_it_exists_or_not(app, world, dial):
    rt = app.extensions["hotline"]
    stranger = world.stranger()
    someone_id = stranger.entries["ask_id"][0][0]

    answers = []
    for typed in (someone_id, keyed(UNKNOWN_ID)):
        call = dial(stranger.phone)
        assert "请输入您的18位身份证号码" in call.press("1").text
        answers.append(call.press(typed).text)
        assert "验证失败" not in call.press("000000").text
    assert answers[0] == answers[1]
    assert "如果该身份证号码已登记" in answers[0]
    # The code went to the number on record for the real ID only; the caller's own number got nothing.
    assert texts_to(rt, stranger.phone) == []
    with rt.transaction(read_only=True) as session:
        codes = list(session.scalars(select(Notice).where(Notice.kind == "X01")))
    assert len(codes) == 1 and codes[0].phone != stranger.phone


def test_a_code_by_text_verifies_a_caller_without_a_pin(world, dial):
    caller = world.by_code()
    call = dial(caller.phone)
    assert "我们已向您登记的手机号码发送了6位验证码" in call.press("1").text
    code = caller.entries["ask_code"][0][0]()
    assert "交通违法查询请按1" in call.press(code).text


def test_a_family_phone_chooses_by_the_last_four_with_star_for_x(world, dial):
    caller = world.family()
    call = dial(caller.phone)
    assert "请输入您的身份证号码最后4位" in call.press("1").text
    last4 = caller.entries["ask_last4"][0][0]
    assert "请输入您的6位服务密码" in call.press(last4).text


def test_an_unregistered_caller_hears_how_to_register(world, dial):
    call = dial(world.unregistered().phone)
    call.press("1")
    turn = call.press(PIN)
    assert "尚未注册互联网服务" in turn.text and "交管幺二幺二三手机应用" in turn.text


def test_id_numbers_are_never_spoken(app, world, dial):
    stranger = world.stranger()
    call = dial(stranger.phone)
    call.press("1")
    call.press(stranger.entries["ask_id"][0][0])
    spoken = " ".join(turn.body for turn in call.turns)
    typed = stranger.entries["ask_id"][0][0].rstrip("#").replace("*", "X")
    assert typed not in spoken and typed[-6:] not in spoken
    saved = state.load(app.extensions["hotline"].redis, call.call_sid, prefix="hotline")
    assert "id_number" not in saved["vars"] and typed not in str(saved)


def test_the_call_state_lives_in_redis_until_the_call_completes(app, world, dial, settings):
    rt = app.extensions["hotline"]
    call = at_main_menu(dial, world.full())
    ttl = rt.redis.ttl(f"hotline:ivr:call:{call.call_sid}:state")
    assert 0 < ttl <= settings.call_state_ttl_seconds
    status, _ = call.hangup()
    assert status == 204
    assert state.load(rt.redis, call.call_sid, prefix="hotline") is None
    left = [key for key in rt.redis.scan_iter(match=f"hotline:ivr:call:{call.call_sid}:*") if b":lock:" not in key]
    assert left == []  # the per-step locks expire by themselves within seconds


def test_a_webhook_after_the_state_expired_starts_over_politely(app, world, dial):
    rt = app.extensions["hotline"]
    call = at_main_menu(dial, world.full())
    state.drop(rt.redis, call.call_sid, prefix="hotline")
    turn = call.press("1")
    assert turn.status == 200 and "欢迎致电交管幺二幺二三" in turn.text


def test_an_out_of_order_step_hears_where_the_call_is(app, world, dial, settings, client):
    call = at_main_menu(dial, world.full())
    params = call._params(Digits="2")
    response = signed_post(client, settings, "/voice/step?n=1", params)  # step 1 was answered long ago
    assert response.status_code == 200
    stale = signed_post(client, settings, "/voice/step?n=99", params)
    assert stale.status_code == 200 and "交通违法查询请按1" in stale.get_data(as_text=True)


def test_the_top_menu_also_understands_speech(world, dial, settings):
    call = at_main_menu(dial, world.full())
    gather = ET.fromstring(call.turn.body).find("Gather")
    assert gather.get("input") == "dtmf speech" and gather.get("language") == settings.speech_language
    assert "驾驶证" in gather.get("hints")
    assert "您的驾驶证准驾车型C1" in call.speak("我想查一下驾驶证").text


@pytest.mark.parametrize("record_language, key, texts_in", [
    ("zh-CN", "9", "已记"),  # an English call leaves a Mandarin texter's texts in Mandarin
    ("en", "1", "points"),  # pressing 1 leaves an English texter's texts in English
    ("en", None, "points"),  # and so does silence at the greeting
])
def test_a_calls_language_is_the_calls_and_never_changes_the_text_language(client, settings, world, dial,
                                                                           record_language, key, texts_in):
    from hotline.db import Person
    from tests.sms.helpers import text

    caller = world.full()
    with world.rt.transaction() as session:
        session.execute(Person.__table__.update().where(Person.phone == caller.phone)
                        .values(language=record_language))
    call = dial(caller.phone)
    call.press(key) if key else call.silence()
    turn = call.press(PIN)
    assert ("For traffic violations" in turn.text) == (key == "9")
    reply = text(client, settings, caller.phone, "JSZ")
    assert texts_in in reply


@pytest.mark.parametrize("english", [False, True])
def test_on_a_family_phone_every_answer_says_whose_record_it_is(app, world, dial, english):
    from tests import factories as f

    father = f.person(name="陈大明", pin=PIN)
    daughter = f.person(name="陈美", phone=father["phone"])
    world.store(father, daughter, f.licence(father, points=3), f.vehicle(father))
    call = dial(father["phone"])
    call.press("9" if english else "1")
    call.press(father["id_number"][-4:].replace("X", "*"))
    menu = call.press(PIN)
    assert "陈某明" not in menu.text  # the menu reads no record
    settings = app.extensions["hotline"].settings
    mandarin = settings.voice_zh_language
    # The licence, then (back at the menu) the violations: none.
    for key, fact in (("2", "3 points" if english else "已记3分"),
                      ("1", "no traffic violations" if english else "没有查到交通违法记录")):
        turn = call.press(key)
        if english:
            assert turn.said[:2] == [("en-US", "Records of"), (mandarin, "陈某明")], turn.said  # by the Mandarin voice
        else:
            assert turn.said[0] == (mandarin, "以下是陈某明的信息。"), turn.said
        assert fact in turn.text and "*" not in turn.text and "陈某美" not in turn.text
        if key == "2":
            call.press("#")
    # The copy by text names him too: the phone is the family's.
    call.press("2")
    call.press("8")
    [copy] = [n for n in texts_to(app.extensions["hotline"], father["phone"]) if n.kind == "X02"]
    assert ("For 陈*明: " if english else "陈*明：") in copy.body


def test_a_caller_alone_on_a_number_hears_no_name(world, dial):
    caller = world.full()
    call = at_main_menu(dial, caller)
    turn = call.press("2")
    assert not turn.text.startswith("以下是") and "某" not in turn.text


@pytest.mark.parametrize("english", [False, True])
def test_an_inspection_booked_by_phone_is_confirmed_by_text_unasked_with_what_to_bring_art54(
        app, settings, clock, loopback, world, dial, english):
    """The text is the citizen's record of the booking (机动车登记规定 art. 54 for what to bring): it reaches the
    phone through the worker and the real twilio client, once, even when Twilio posts the last step again."""
    from hotline.domain.segments import count
    from tests.notify.support import run_worker, sending_runtime

    caller = world.full()
    call = at_main_menu(dial, caller, english=english)
    call.press("5")
    call.press("1")  # book
    call.press("1")  # the first car
    call.press("1")  # the first slot
    booked = call.press("1")  # confirm
    assert ("texted the booking" if english else "预约信息已发送短信") in booked.text, booked.text
    call.repeat_last()
    rt = sending_runtime(settings, clock, loopback)
    try:
        run_worker(rt)
    finally:
        rt.engine.dispose()
    [message] = loopback.messages(caller.phone)
    with app.extensions["hotline"].transaction(read_only=True) as session:
        plate = session.scalar(select(InspectionBooking)).vehicle.plate
    assert message.body.startswith(settings.sms_signature) and count(message.body).segments <= 4
    assert plate in message.body and "厦门湖里机动车检测站" in message.body and "QX" in message.body
    if english:
        assert "Inspection booked" in message.body and "1 Dec 2026 09:00" in message.body
        assert "vehicle licence" in message.body and "insurance certificate" in message.body
    else:
        assert "检验预约成功" in message.body and "2026年12月01日09:00" in message.body
        assert "行驶证" in message.body and "交强险" in message.body


def test_on_a_family_phone_the_code_by_text_says_whom_it_is_for(app, world, dial, settings):
    from tests import factories as f

    father = f.person(name="陈大明")
    daughter = f.person(name="陈美", phone=father["phone"])
    world.store(father, daughter)
    call = dial(father["phone"])
    call.press("1")
    assert "验证码" in call.press(father["id_number"][-4:].replace("X", "*")).text
    [code] = [n for n in texts_to(app.extensions["hotline"], father["phone"]) if n.kind == "X01"]
    assert code.body.startswith(settings.sms_signature + "陈*明：") and "陈*：" not in code.body


def test_only_subjects_in_turn_are_offered_order162_art39(world, dial):
    """KM3W follows passing KM2 and the KM3 road test (art. 39): it is not offered before, and then only it is."""
    call = at_main_menu(dial, world.full())  # KM1 passed, KM2 not
    call.press("4")
    offered = call.press("2").text
    assert "科目二" in offered and "科目三，" in offered
    assert "科目三安全文明常识" not in offered

    passed = {"KM1": "2026-09-01", "KM2": "2026-10-20", "KM3": "2026-11-16"}
    call = at_main_menu(dial, world.learner_with(passed=passed))
    call.press("4")
    offered = call.press("2").text
    assert "科目三安全文明常识" in offered
    assert "科目二" not in offered and "科目三，" not in offered


# --- which vehicles can be inspected now (Order 164, 机动车登记规定) -----------------------------------

EXEMPT_CAR = {"registered_on": "2023-02-10", "inspection_valid_until": "2027-02-28"}  # fourth year: exempt
NOT_YET_DUE = {"registered_on": "2017-05-10", "inspection_valid_until": "2027-05-31"}  # tenth year, in May


def test_order164_art76_a_stolen_car_hears_that_all_business_stops_and_no_times(world, dial):
    call = at_main_menu(dial, world.owner({"status": "C"}))
    call.press("5")
    turn = call.press("1")  # book: the one car
    assert "该车已登记为被盗抢车辆，依照机动车登记规定第七十六条，停止办理该车的各项业务" in turn.text
    assert "可以预约的检验时段" not in turn.text and "预约机动车检验请按1" in turn.text


@pytest.mark.parametrize(("status", "words"), [
    ("E", "该车已注销登记，不能预约检验"), ("M", "该车已注销登记，不能预约检验"), ("P", "该车已达到报废标准"),
    ("K", "该车已被查封，不能预约检验"), ("B", "该车已转出，请到转入地车辆管理所办理"),
])
def test_order164_a_car_that_cannot_be_inspected_is_told_so_by_voice(world, dial, status, words):
    call = at_main_menu(dial, world.owner({"status": status}))
    call.press("5")
    turn = call.press("1")
    assert words in turn.text and "可以预约的检验时段" not in turn.text


def test_order164_art55_art54_exempt_and_early_cars_hear_what_to_do_in_english(world, dial):
    call = at_main_menu(dial, world.owner(EXEMPT_CAR, NOT_YET_DUE, {}), english=True)
    call.press("5")
    listing = call.press("1")
    assert listing.text.count("exempt from the test") == 1
    turn = call.press("1")  # the exempt car
    assert "This vehicle is exempt from the station test, so there is no inspection to book." in turn.text
    assert "Apply for the inspection label in the 12123 app from 28 November 2026." in turn.text
    assert "Inspection times" not in turn.text
    call.press("1")
    turn = call.press("2")  # the car whose test is in May
    assert "An inspection can be booked in the last three months before that, from 28 February 2027." in turn.text
    call.press("1")
    assert "Inspection times" in call.press("3").text  # the car in its window


def test_order164_art55_the_vehicle_answer_says_an_exempt_car_applies_for_the_label(world, dial):
    call = at_main_menu(dial, world.owner(EXEMPT_CAR))
    turn = call.press("3")
    assert "该车免检，请自2026年11月28日起申领检验标志，不需预约检验" in turn.text
