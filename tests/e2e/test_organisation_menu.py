"""An organisation is offered only what it can do (services/access.py: its vehicles and their violations,
inspection booking, public information; no licence, no exams, no extensions), by phone and by text."""

from __future__ import annotations

import pytest

from tests import factories as f
from tests.e2e.voice_world import PIN
from tests.sms.helpers import text


@pytest.fixture
def firm(world):
    organisation = f.organisation(pin=PIN)
    world.store(organisation, f.vehicle(organisation, plate="闽D80001"))
    return organisation


def _main_menu(dial, phone: str, english: bool):
    call = dial(phone)
    call.press("9" if english else "1")
    return call, call.press(PIN)


def test_access_table_an_organisation_hears_no_licence_or_exam_options_and_their_keys_are_not_its_keys(dial, firm):
    call, menu = _main_menu(dial, firm["phone"], english=False)
    assert "本单位车辆的交通违法查询请按1" in menu.text and "车辆查询请按3" in menu.text
    assert "机动车检验预约请按5" in menu.text and "交管公告请按8" in menu.text and "人工服务请按0" in menu.text
    assert "驾驶证" not in menu.text and "考试" not in menu.text and "延期" not in menu.text
    for key in ("2", "4"):
        turn = call.press(key)
        assert "您的输入有误" in turn.text and "单位用户不能办理" not in turn.text
        assert "本单位车辆的交通违法查询请按1" in turn.text
    vehicles = call.press("3")
    assert "车牌闽，D，八，零，零，零，幺" in vehicles.text
    call, _ = _main_menu(dial, firm["phone"], english=False)
    said = call.speak("我要查驾驶证")  # the words of an option not offered are not understood either
    assert "您的输入有误" in said.text and "单位用户不能办理" not in said.text


def test_access_table_an_organisations_8_is_the_announcements_with_no_extensions_offered(dial, firm):
    call, _ = _main_menu(dial, firm["phone"], english=False)
    turn = call.press("8")
    assert "目前没有有效的交管公告" in turn.text  # none for the organisation's area in the world
    assert "延期" not in turn.text and "本单位车辆的交通违法查询请按1" in turn.text  # and back to its menu


def test_access_table_an_organisation_hears_its_own_menu_in_english(dial, firm):
    call, menu = _main_menu(dial, firm["phone"], english=True)
    assert "For your organisation's traffic violations, press 1" in menu.text and "Announcements, press 8" in menu.text
    assert "licence" not in menu.text and "exam" not in menu.text.lower() and "xtension" not in menu.text
    turn = call.press("4")
    assert "that entry is not valid" in turn.text and "Organisation accounts cannot" not in turn.text


def test_access_table_a_person_still_hears_the_whole_menu(dial, world):
    caller = world.full()
    call, menu = _main_menu(dial, caller.phone, english=False)
    assert "驾驶证查询请按2" in menu.text and "驾驶人考试预约请按4" in menu.text
    assert "延期业务和交管公告请按8" in menu.text
    assert "申请或撤回延期换证" in call.press("8").text


def test_access_table_sms_help_for_an_organisation_lists_only_its_keywords(client, settings, firm):
    reply = text(client, settings, firm["phone"], "帮助")
    assert "WZ" in reply and "CL" in reply and "JY" in reply and "GG" in reply and "TD" in reply
    for personal in ("JSZ", "KS", "YY", "YQ", "驾驶证", "考试"):
        assert personal not in reply
    english = text(client, settings, firm["phone"], "HELP")
    assert "WZ" in english and "JY" in english
    for personal in ("JSZ", "KS", "YY", "YQ", "licence", "exam"):
        assert personal not in english
