"""Every keyword through signed HTTP requests, as Twilio would post them, with real records."""

from __future__ import annotations

from datetime import datetime

import pytest

from hotline.clock import CHINA
from hotline.domain.segments import count
from tests.factories import exam_plan, inspection_slot, learner, licence, person, store, vehicle, violation
from tests.sms.helpers import text


@pytest.fixture
def citizen(session):
    """A registered person with a licence, a car with two open violations, and a learner record."""
    p = person(name="林小明", account="internet", phone="+8613800138000")
    car = vehicle(p, plate="闽D12345")
    store(
        session, p, licence(p, points=6), car, learner(p),
        violation(car, fine_cny=200, points=6, location="厦门市湖里区枋湖路"),
        violation(car, fine_cny=100, points=3, handled=True, decided_at="2026-11-21T10:00:00+08:00",
                  occurred_at="2026-11-15T09:00:00+08:00"),
    )
    return p


def test_violations(client, settings, citizen):
    reply = text(client, settings, citizen["phone"], "WZ")
    assert reply.startswith(settings.sms_signature)
    assert "违法2条" in reply and "未处理1条" in reply and "待缴300元" in reply
    assert "闽D12345" in reply
    assert citizen["id_number"] not in reply


def test_full_width_keyword_and_dotted_plate(client, settings, citizen):
    assert text(client, settings, citizen["phone"], "ｗｚ　闽Ｄ·１２３４５。") == text(
        client, settings, citizen["phone"], "违法 闽D12345"
    )


def test_licence(client, settings, citizen):
    reply = text(client, settings, citizen["phone"], "JSZ")
    assert "C1" in reply and "已记6分" in reply and "剩余6分" in reply and "2031年03月15日" in reply


def test_vehicles(client, settings, citizen):
    reply = text(client, settings, citizen["phone"], "车辆 闽D·12345")
    assert "闽D12345" in reply and "2027年01月31日" in reply and "未处理违法1条" in reply


def test_english_keywords_after_en(client, settings, citizen):
    assert "English" in text(client, settings, citizen["phone"], "EN")
    reply = text(client, settings, citizen["phone"], "LICENCE")
    assert "6 points, 6 left" in reply
    assert "Chinese" in text(client, settings, citizen["phone"], "HELP")
    assert "中文" in text(client, settings, citizen["phone"], "中文")


def test_help_and_anything_else(client, settings, citizen):
    help_text = text(client, settings, citizen["phone"], "帮助")
    assert "WZ" in help_text and "TD" in help_text
    assert text(client, settings, citizen["phone"], "你好呀").endswith(help_text.split("。", 1)[-1][-20:])
    assert "未能识别" in text(client, settings, citizen["phone"], "hello")


def test_exams_list_and_booking_keywords(client, settings, session, citizen):
    store(session, exam_plan(plan_id="XM01-KM2-A", date="2026-12-08", session="AM"),
          exam_plan(plan_id="XM01-KM2-B", date="2026-12-09", session="PM"))
    assert "没有待考" in text(client, settings, citizen["phone"], "KS")
    plans = text(client, settings, citizen["phone"], "YY KM2")
    assert "1.2026年12月08日上午" in plans and "2.2026年12月09日下午" in plans
    prompt = text(client, settings, citizen["phone"], "YY KM2 2")
    assert "将为您申请KM2考试：2026年12月09日下午" in prompt and "回复Y" in prompt
    done = text(client, settings, citizen["phone"], "Y")
    assert done.startswith(settings.sms_signature + "已提交KM2考试申请")
    assert "已受理，等待分配" in text(client, settings, citizen["phone"], "KS")


def test_inspection_keyword(client, settings, session, citizen):
    store(session, inspection_slot(slot_id="JC01-A", starts_at="2026-12-01T09:00:00+08:00",
                                   ends_at="2026-12-01T10:00:00+08:00"))
    reply = text(client, settings, citizen["phone"], "JY")
    assert "闽D12345检验有效期至2027年01月31日" in reply
    assert "1.2026年12月01日09:00 厦门湖里机动车检测站 余5" in reply


def test_cancel_keyword_with_nothing_to_cancel(client, settings, citizen):
    assert "没有可取消" in text(client, settings, citizen["phone"], "QX")


def test_unknown_sender_hears_how_to_register(client, settings, citizen):
    reply = text(client, settings, "+8613900000001", "WZ")
    assert "未登记" in reply and "注册" in reply
    english = text(client, settings, "+14155550100", "VIOLATIONS")
    assert "not on record" in english and "Register" in english


def test_account_level_none_is_told_to_register(client, settings, session):
    p = person(account="none")
    store(session, p, licence(p))
    assert "尚未实名注册" in text(client, settings, p["phone"], "JSZ")


def test_long_lists_are_paged_within_four_segments(client, settings, session, citizen):
    car = vehicle(citizen)
    store(session, car, *[
        violation(car, occurred_at=datetime(2026, 10, day, 8, 0, tzinfo=CHINA).isoformat(),
                  location=f"厦门市思明区湖滨南路{day}号附近路段")
        for day in range(1, 21)
    ])
    first = text(client, settings, citizen["phone"], "WZ")
    assert count(first).segments <= 4
    assert "回复WZ 2查看更多" in first
    numbers = []
    page = 1
    while True:
        reply = text(client, settings, citizen["phone"], f"WZ {page}")
        assert count(reply).segments <= 4
        body = reply.removeprefix(settings.sms_signature)
        numbers += [line.split(".", 1)[0] for line in body.splitlines() if line[:1].isdigit()]
        if "查看更多" not in reply:
            break
        page += 1
    assert page > 1
    assert numbers == [str(n) for n in range(1, 23)]  # 22 violations, each once, in order
    assert "没有更多" in text(client, settings, citizen["phone"], f"WZ {page + 1}")


def test_open_exam_plans_are_public_but_applying_needs_a_record(client, settings, session):
    store(session, exam_plan(plan_id="XM01-KM3-P", subject="KM3", date="2026-12-09", session="AM"))
    stranger = "+8613700000009"
    assert "1.2026年12月09日上午" in text(client, settings, stranger, "预约科目三")
    assert "未登记" in text(client, settings, stranger, "YY KM3 1")
    assert "请注明科目" in text(client, settings, stranger, "YY")


@pytest.mark.parametrize("language, not_yours, all_clear", [
    ("zh-CN", "您名下没有车辆闽D12345", "没有违法记录"), ("en", "闽D12345 is not on your record", "no violations")])
def test_violations_of_a_plate_not_the_senders_are_never_an_all_clear(client, settings, session, citizen, language,
                                                                       not_yours, all_clear):
    neighbour = person(name="王五", phone="+8613800139999")
    store(session, neighbour)
    if language == "en":
        text(client, settings, neighbour["phone"], "EN")
    reply = text(client, settings, neighbour["phone"], "WZ 闽D12345")
    assert not_yours in reply and all_clear not in reply.lower()
    assert reply == text(client, settings, neighbour["phone"], "JY 闽D12345")  # as every plate keyword answers


@pytest.mark.parametrize("sender", ["+8613800138000", "+8613700000001"])  # on record (Mandarin) / unknown
def test_an_english_keyword_from_a_number_with_no_language_chosen_is_answered_in_english(client, settings,
                                                                                        citizen, sender):
    english = text(client, settings, sender, "HELP")
    assert "Reply" in english and "回复" not in english
    assert "Reply" in text(client, settings, sender, "HELP", OptOutType="HELP")
    chinese = text(client, settings, sender, "帮助")
    assert "回复" in chinese and "Reply" not in chinese
    text(client, settings, sender, "中文")  # once the person chooses, the choice holds
    assert "回复" in text(client, settings, sender, "HELP")
