"""Wording a citizen would misread, through signed webhooks, in both languages (issue: what callers hear)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from sqlalchemy import select

from hotline.db import Notice
from tests import factories as f
from tests.e2e.voice_world import PIN, World
from tests.sms.helpers import text


def one_overdue_car_with_a_no_point_violation(world: World) -> dict:
    """A driver whose only car is past its inspection date while the upstream still says "A" (normal),
    with one violation that carries no points."""
    someone = f.person(pin=PIN, account="internet")
    car = f.vehicle(someone, status="A", inspection_valid_until="2026-11-01")
    world.store(someone, car, f.violation(car, points=0, fine_cny=50))
    return someone


def main_menu(dial, phone: str, english: bool):
    call = dial(phone)
    call.press("9" if english else "1")
    return call, call.press(PIN)


@pytest.mark.parametrize("english", [False, True], ids=["zh", "en"])
def test_the_main_menu_announces_a_person_last(world, dial, english):
    someone = one_overdue_car_with_a_no_point_violation(world)
    _, turn = main_menu(dial, someone["phone"], english)
    person = "For a person, press 0" if english else "人工服务请按0"
    last_option = "press 8" if english else "请按8"
    assert turn.text.index(person) > turn.text.index(last_option)


@pytest.mark.parametrize("english", [False, True], ids=["zh", "en"])
def test_an_overdue_car_is_not_called_normal_and_overdue_at_once(world, dial, english):
    someone = one_overdue_car_with_a_no_point_violation(world)
    call, _ = main_menu(dial, someone["phone"], english)
    turn = call.press("3")  # one car: its facts at once
    if english:
        assert "Status: inspection overdue" in turn.text and "normal" not in turn.text
        assert "1 violation not handled" in turn.text
    else:
        assert "状态逾期未检验" in turn.text and "正常" not in turn.text


@pytest.mark.parametrize("english", [False, True], ids=["zh", "en"])
def test_a_violation_without_points_is_said_so_and_one_is_singular(world, dial, english):
    someone = one_overdue_car_with_a_no_point_violation(world)
    call, _ = main_menu(dial, someone["phone"], english)
    turn = call.press("1")
    if english:
        assert "There is 1 violation on record" in turn.text and "no points" in turn.text
        assert "0 points" not in turn.text
    else:
        assert "不记分" in turn.text and "记0分" not in turn.text


@pytest.mark.parametrize("english", [False, True], ids=["zh", "en"])
def test_the_text_copy_of_one_violation_is_singular_and_says_no_points(app, world, dial, english):
    someone = one_overdue_car_with_a_no_point_violation(world)
    call, _ = main_menu(dial, someone["phone"], english)
    call.press("1")
    call.press("8")
    rt = app.extensions["hotline"]
    with rt.transaction(read_only=True) as session:
        body = session.scalar(select(Notice.body).where(Notice.kind == "X02", Notice.phone == someone["phone"]))
    if english:
        assert "1 traffic violation on record" in body and "no points" in body and "(s)" not in body
    else:
        assert "不记分" in body and "记0分" not in body


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_a_wz_reply_for_one_violation_without_points(client, settings, session, language):
    someone = f.person(account="internet", language=language)
    car = f.vehicle(someone)
    f.store(session, someone, car, f.violation(car, points=0, fine_cny=50))
    reply = text(client, settings, someone["phone"], "WZ")
    if language == "en":
        assert "1 violation," in reply and "no points" in reply and "0 points" not in reply
    else:
        assert "不记分" in reply and "记0分" not in reply


CJK = re.compile(r"[\u3400-\u9fff]")


def says(turn) -> list[tuple[str, str]]:
    """(voice, text) of every <Say> in the TwiML of one turn, in order."""
    return [(s.get("voice"), s.text or "") for s in ET.fromstring(turn.body).iter("Say")]


def test_english_violations_say_where_and_what_with_the_mandarin_voice_for_the_chinese(world, dial, settings):
    someone = one_overdue_car_with_a_no_point_violation(world)
    call, _ = main_menu(dial, someone["phone"], english=True)
    turn = call.press("1")
    spoken = says(turn)
    assert "code " not in turn.text
    assert (settings.voice_zh, "厦门市湖里区枋湖路与金湖路交叉口") in spoken
    assert (settings.voice_zh, "驾驶机动车违反道路交通信号灯通行") in spoken
    assert not [text for voice, text in spoken if voice == settings.voice_en and CJK.search(text)]


def test_english_announcements_read_chinese_titles_with_the_mandarin_voice(world, dial, settings):
    someone = one_overdue_car_with_a_no_point_violation(world)
    call, _ = main_menu(dial, someone["phone"], english=True)
    call.press("8")
    turn = call.press("2")
    spoken = says(turn)
    assert any(voice == settings.voice_zh and text.startswith("湖滨南路施工交通管制") for voice, text in spoken)
    assert not [text for voice, text in spoken if voice == settings.voice_en and CJK.search(text)]


def choice_labels(text: str, english: bool) -> list[str]:
    """What the caller hears before each "press N" / "请按N" of a choice list, the lead-in cut off."""
    parts = re.split(r"press [1-8]\b" if english else r"请按[1-8]", text)[:-1]
    return [re.split(r"[.:?] |[。：？]", part)[-1].strip(" ,，") for part in parts]


@pytest.mark.parametrize("english", [False, True], ids=["zh", "en"])
def test_inspection_slots_at_the_same_time_say_their_station(world, dial, english):
    world.store(
        f.inspection_slot(station_code="JC02", station_name="厦门思明机动车检测站", capacity=5),
        f.inspection_slot(station_code="JC03", station_name="厦门集美机动车检测站", capacity=5),
    )
    someone = one_overdue_car_with_a_no_point_violation(world)
    call, _ = main_menu(dial, someone["phone"], english)
    call.press("5")
    turn = call.press("1")  # one car: straight to the times
    labels = choice_labels(turn.text, english)
    assert len(labels) >= 3 and len(set(labels)) == len(labels), labels
    assert "厦门思明机动车检测站" in turn.text and "厦门集美机动车检测站" in turn.text


@pytest.mark.parametrize("english", [False, True], ids=["zh", "en"])
def test_exam_plans_on_the_same_day_say_their_site(world, dial, english):
    caller = world.full()
    world.store(
        f.exam_plan(
            subject="KM2", classes=["C1"], date="2026-12-08", capacity=30, site_code="XM02", site_name="厦门同安考场"
        )
    )
    call = dial(caller.phone)
    call.press("9" if english else "1")
    call.press(PIN)
    call.press("4")
    turn = call.press("2")
    labels = choice_labels(turn.text, english)
    assert len(labels) >= 2 and len(set(labels)) == len(labels), labels
    assert "厦门同安考场" in turn.text


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_the_help_reply_writes_the_agent_number_as_a_citizen_dials_it(client, settings, session, language):
    someone = f.person(account="internet", language=language)
    f.store(session, someone)
    reply = text(client, settings, someone["phone"], "HELP" if language == "en" else "帮助")
    assert "0592-12123" in reply and "+8659212123" not in reply


@pytest.mark.parametrize("english", [False, True], ids=["zh", "en"])
def test_a_long_term_licence_is_said_as_such_not_as_a_date(world, dial, client, settings, english):
    someone = f.person(pin=PIN, account="internet", language="en" if english else "zh-CN")
    world.store(someone, f.licence(someone, valid_until=None))
    call, _ = main_menu(dial, someone["phone"], english)
    spoken = call.press("2").text
    reply = text(client, settings, someone["phone"], "JSZ")
    if english:
        assert "valid with no expiry date" in spoken and "until no expiry" not in spoken
        assert "Valid with no expiry date" in reply and "long-term" not in reply
    else:
        assert "长期有效" in spoken and "有效期至长期" not in spoken
        assert "长期有效" in reply and "有效期至长期" not in reply


@pytest.mark.parametrize("english", [False, True], ids=["zh", "en"])
def test_the_code_text_says_the_lifetime_the_code_was_given_not_the_seconds_left(app, clock, dial, monkeypatch,
                                                                               english):
    someone = f.person(account="internet", language="en" if english else "zh-CN")  # no PIN: a code by text
    rt = app.extensions["hotline"]
    with rt.sessions() as session:
        f.store(session, someone)
    stands_at = clock.now()

    def ticking():  # a real clock moves between issuing the code and writing the text
        nonlocal stands_at
        stands_at += timedelta(seconds=1)
        return stands_at

    monkeypatch.setattr(clock, "now", ticking)
    call = dial(someone["phone"])
    call.press("9" if english else "1")
    with rt.transaction(read_only=True) as session:
        body = session.scalar(select(Notice.body).where(Notice.kind == "X01", Notice.phone == someone["phone"]))
    if english:
        assert "valid for 10 minutes" in body
    else:
        assert "10分钟内有效" in body and "9分钟" not in body


def mandarin_says(turn, settings) -> list[str]:
    return [text for voice, text in says(turn) if voice == settings.voice_zh]


def test_mandarin_reads_a_plate_digit_by_digit_with_yao_for_one(world, dial, settings):
    someone = f.person(pin=PIN, account="internet")
    world.store(someone, f.vehicle(someone, plate="闽D12345"))
    call, _ = main_menu(dial, someone["phone"], english=False)
    spoken = "".join(mandarin_says(call.press("3"), settings))
    assert "闽，D，幺，二，三，四，五" in spoken and "，一，" not in spoken


@pytest.mark.parametrize("english", [False, True], ids=["zh", "en"])
def test_the_hotline_name_12123_is_said_digit_by_digit_not_as_twelve_thousand(world, dial, settings, english):
    someone = f.person(pin=PIN, account="none")  # not registered: told to register with the 12123 app
    world.store(someone)
    call = dial(someone["phone"])
    greeting = call.turn
    _, turn = main_menu(dial, someone["phone"], english)
    if english:
        heard = " ".join(text for voice, text in says(turn) if voice == settings.voice_en)
        assert "the 1 2 1 2 3 app" in heard and "12123" not in heard
    else:
        heard = "".join(mandarin_says(greeting, settings) + mandarin_says(turn, settings))
        assert "欢迎致电交管幺二幺二三" in heard and "交管幺二幺二三手机应用" in heard and "12123" not in heard
