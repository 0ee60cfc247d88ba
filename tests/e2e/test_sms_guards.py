"""Who is texting, and the guards: signatures, shared numbers, unknown senders, long texts, the rate limit,
and a Redis outage."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from hotline.db import AnnouncementSubscription, InspectionBooking
from tests.factories import inspection_slot, licence, person, store, valid_id_number, vehicle, violation
from tests.sms.helpers import read, text

FAMILY_PHONE = "+8613900001111"


@pytest.fixture
def family(session):
    """Two people on one phone, with ID numbers ending 123X and 0456, each with a car and a violation."""
    father = person(name="林大伟", phone=FAMILY_PHONE, id_number=_ending("123X", date(1970, 1, 1)))
    daughter = person(name="林婷", phone=FAMILY_PHONE, id_number=_ending("0456", date(2000, 1, 1)))
    car_a, car_b = vehicle(father, plate="闽D10001"), vehicle(daughter, plate="闽D20002")
    store(session, father, daughter, licence(father, points=3), licence(daughter, points=9), car_a, car_b,
          violation(car_a), violation(car_b, fine_cny=50))
    return father, daughter


def _ending(last4: str, birth) -> str:
    """A valid ID number ending in `last4`: the sequence is fixed, so look for a birth date whose check
    character fits."""
    for day in range(400):
        candidate = valid_id_number(birth=birth + timedelta(days=day), seq=int(last4[:3]))
        if candidate.endswith(last4):
            return candidate
    raise AssertionError(f"no ID number ends with {last4}")


def test_a_bad_signature_is_refused(client, settings):
    response = client.post("/sms/incoming", data={"From": "+8613800138000", "Body": "WZ"},
                           headers={"X-Twilio-Signature": "forged"})
    assert response.status_code == 403
    assert client.post("/sms/incoming", data={"From": "+8613800138000", "Body": "WZ"}).status_code == 403


def test_a_shared_number_is_asked_for_the_last_four(client, settings, family):
    ask = text(client, settings, FAMILY_PHONE, "JSZ")
    assert "本号码登记了多人" in ask and "后4位" in ask
    assert "已记" not in ask  # nobody's data before the choice

    answer = text(client, settings, FAMILY_PHONE, "0456")
    assert "已记9分" in answer  # the held keyword is answered for the one chosen
    assert "闽D20002" in text(client, settings, FAMILY_PHONE, "WZ")  # the choice holds for 10 minutes
    assert "闽D10001" not in text(client, settings, FAMILY_PHONE, "WZ")


def test_a_shared_number_may_name_the_last_four_in_the_keyword(client, settings, family):
    reply = text(client, settings, FAMILY_PHONE, "JSZ 123x")
    assert "已记3分" in reply


def test_a_subscription_asked_for_before_the_last_four_is_made_once_they_are_named(client, settings, session,
                                                                                   family):
    assert "本号码登记了多人" in text(client, settings, FAMILY_PHONE, "GG")
    assert read(session, select(AnnouncementSubscription)) == []
    text(client, settings, FAMILY_PHONE, "0456")
    [subscription] = read(session, select(AnnouncementSubscription))
    assert (subscription.phone, subscription.area, subscription.active) == (FAMILY_PHONE, "350203", True)


def test_a_wrong_last_four_gets_nobody(client, settings, family):
    text(client, settings, FAMILY_PHONE, "WZ")
    reply = text(client, settings, FAMILY_PHONE, "9999")
    assert "不符" in reply and "闽D" not in reply


def test_the_choice_of_person_expires(client, settings, clock, family):
    text(client, settings, FAMILY_PHONE, "WZ 123X")
    clock.advance(minutes=11)
    assert "本号码登记了多人" in text(client, settings, FAMILY_PHONE, "WZ")


def test_an_unknown_sender_hears_how_to_register_and_sees_no_data(client, settings, family):
    reply = text(client, settings, "+8613700000000", "WZ 闽D10001")
    assert "未登记" in reply and "12123 App" in reply and "闽D10001" not in reply
    assert "未登记" in text(client, settings, "+8613700000000", "0456")


def test_an_over_long_text_gets_help_and_is_not_processed(client, settings, family):
    reply = text(client, settings, FAMILY_PHONE, "WZ" + " 闽D10001" * 200)
    assert "短信过长" in reply and "回复：WZ违法" in reply
    assert "本号码登记了多人" not in reply


def test_control_characters_get_help(client, settings, family):
    reply = text(client, settings, FAMILY_PHONE, "WZ\x1b[0m")
    assert "无法识别的字符" in reply


def test_the_rate_limit_answers_once_then_stays_silent_until_the_window_passes(app, client, settings, clock):
    p = person()
    rt = app.extensions["hotline"]
    rt.settings = rt.settings.replace(sms_query_limit=3, sms_query_window_seconds=600)
    with rt.sessions() as session:
        store(session, p)
    # Stand at the start of a window so that the test does not straddle two.
    clock.advance(seconds=600 - int(clock.now().timestamp()) % 600)
    replies = [text(client, settings, p["phone"], "帮助") for _ in range(3)]
    assert all("回复：WZ违法" in r for r in replies)
    assert "查询过多" in text(client, settings, p["phone"], "WZ")
    assert text(client, settings, p["phone"], "WZ") is None
    assert text(client, settings, p["phone"], "JSZ") is None
    # TD still works: carriers require it, whatever the limit.
    assert "已退订" in text(client, settings, p["phone"], "TD")
    clock.advance(seconds=600)
    assert "回复：WZ违法" in text(client, settings, p["phone"], "BZ")


def test_redis_down_queries_still_answer_and_actions_say_try_later(client, settings, session, redis_server):
    p = person()
    store(session, p, licence(p, points=2), vehicle(p), inspection_slot())
    text(client, settings, p["phone"], "JY")
    text(client, settings, p["phone"], "JY 1")
    redis_server.stop()
    try:
        assert "已记2分" in text(client, settings, p["phone"], "JSZ")
        assert "可预约" in text(client, settings, p["phone"], "JY")
        assert "系统繁忙，暂不能办理预约或取消" in text(client, settings, p["phone"], "Y")
        assert "系统繁忙，暂不能办理预约或取消" in text(client, settings, p["phone"], "JY 1")
        assert "已退订" in text(client, settings, p["phone"], "TD")
    finally:
        redis_server.start()
    assert read(session, select(InspectionBooking)) == []


def test_a_broken_database_still_gets_an_apology_not_a_500(settings, clock, tmp_path):
    from hotline.factory import create_app

    broken = settings.replace(database_url=f"sqlite:///{tmp_path / 'missing' / 'hotline.db'}")
    app = create_app(broken, clock=clock)
    try:
        reply = text(app.test_client(), broken, "+8613800138000", "WZ")
        assert "系统繁忙" in reply
    finally:
        app.extensions["hotline"].engine.dispose()


@pytest.mark.parametrize("language, chosen", [("zh-CN", "已选择林*"), ("en", "Chosen: 林*")])
def test_the_last_four_alone_with_nothing_pending_names_who_is_chosen(client, settings, family, language,
                                                                      chosen):
    text(client, settings, FAMILY_PHONE, "EN" if language == "en" else "中文")
    reply = text(client, settings, FAMILY_PHONE, "0456")
    assert chosen in reply and "系统繁忙" not in reply and "busy" not in reply
    assert "已记9分" in text(client, settings, FAMILY_PHONE, "JSZ") or "9 points" in text(
        client, settings, FAMILY_PHONE, "JSZ")


@pytest.mark.parametrize("language, father, daughter", [("zh-CN", "林*伟：", "林*："),
                                                         ("en", "For 林*伟: ", "For 林*: ")])
def test_every_personal_reply_on_a_shared_number_names_whose_record_it_is(client, settings, session, family,
                                                                          language, father, daughter):
    text(client, settings, FAMILY_PHONE, "EN" if language == "en" else "中文")
    signature = settings.sms_signature if language == "zh-CN" else ""
    # The held keyword, answered once the last 4 are named; then the choice holds for further keywords.
    text(client, settings, FAMILY_PHONE, "WZ")
    for reply in (text(client, settings, FAMILY_PHONE, "123X"), text(client, settings, FAMILY_PHONE, "JSZ"),
                  text(client, settings, FAMILY_PHONE, "CL"), text(client, settings, FAMILY_PHONE, "KS")):
        assert reply.startswith(signature + father), reply
        assert "林*：" not in reply and "For 林*:" not in reply
    assert text(client, settings, FAMILY_PHONE, "JSZ 0456").startswith(signature + daughter)
    # Who is chosen names them itself, once.
    chosen = text(client, settings, FAMILY_PHONE, "123X")
    assert chosen.count("林*伟") == 1


def test_a_number_with_one_person_on_it_gets_no_name_in_front(client, settings, session):
    alone = person(name="陈小美")
    store(session, alone, licence(alone, points=2))
    reply = text(client, settings, alone["phone"], "JSZ")
    assert "已记2分" in reply and "陈*美" not in reply
