"""Violations by text: handling a camera record (BL, art. 58 / 52), the 12-point limit (Order 163 art. 17),
deferral (HC, art. 53 ¶2), objection (SS, art. 5 ¶3), paying (JK), and the upstream's answers through the
violation record, on both databases. 处理程序规定 is MPS Order 157 (2020)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hotline.db import ChangeKind, OutboundChange, ViolationRequest
from tests.factories import licence, organisation, person, store, vehicle, violation
from tests.sms.helpers import read, text


@pytest.fixture
def owner(session):
    """An internet-registered owner with 3 points, a car and one camera record: 200 yuan, 6 points."""
    p = person(account="internet")
    car = vehicle(p)
    v = violation(car)
    store(session, p, licence(p, points=3), car, v)
    return {"person": p, "car": car, "violation": v, "phone": p["phone"]}


def requests(session) -> list[tuple[str, str, int | None]]:
    rows = read(session, select(ViolationRequest).order_by(ViolationRequest.id))
    return [(row.kind, row.status, row.months) for row in rows]


def feed(session) -> list[OutboundChange]:
    return read(session, select(OutboundChange).order_by(OutboundChange.id))


def handle(client, settings, phone: str, number: int = 1) -> str:
    text(client, settings, phone, "WZ")
    return text(client, settings, phone, f"BL {number}")


# --- handling (art. 58, art. 52) ------------------------------------------------------------------------


def test_art58_the_owner_hears_the_facts_confirms_and_the_request_goes_upstream(client, settings, session, owner):
    proposal = handle(client, settings, owner["phone"])
    assert owner["car"]["plate"] in proposal and "罚款200元" in proposal and "记6分" in proposal
    assert "本周期累计将为9分" in proposal and "本人驾驶" in proposal and "回复Y确认" in proposal
    assert requests(session) == []  # nothing until confirmed

    done = text(client, settings, owner["phone"], "Y")
    assert "已提交" in done and "自助处理" in done
    assert requests(session) == [("handle", "pending", None)]
    [change] = feed(session)
    assert change.kind == ChangeKind.VIOLATION_HANDLING
    assert change.payload["ref"] == owner["violation"]["ref"]
    assert change.payload["id_number"] == owner["person"]["id_number"]
    assert change.payload["procedure"] == "simple" and change.payload["status"] == "pending"
    # A second BL on the same record is refused before any Y.
    assert "已提交自助处理" in handle(client, settings, owner["phone"])


def test_art52_a_fine_above_200_yuan_goes_to_the_general_procedure(client, settings, session, owner):
    store(session, {**owner["violation"], "fine_cny": 201})
    reply = handle(client, settings, owner["phone"])
    assert "一般程序" in reply and "窗口" in reply
    assert "没有待确认" in text(client, settings, owner["phone"], "Y")
    assert requests(session) == [] and feed(session) == []


def test_order163_art17_points_that_would_reach_12_are_handled_at_a_window(client, settings, session, owner):
    store(session, licence(owner["person"], points=6))
    reply = handle(client, settings, owner["phone"])
    assert "将达到12分" in reply and "窗口" in reply
    assert requests(session) == []


def test_order163_art17_points_of_requests_still_waiting_count(client, settings, session, owner):
    second = violation(owner["car"], ref="350200000000000777", occurred_at="2026-11-17T09:00:00+08:00")
    store(session, second)
    handle(client, settings, owner["phone"], 1)
    assert "已提交" in text(client, settings, owner["phone"], "Y")  # 3 + 6 = 9
    reply = handle(client, settings, owner["phone"], 2)  # 3 + 6 waiting + 6 = 15
    assert "另有待处理6分" in reply and "窗口" in reply
    assert requests(session) == [("handle", "pending", None)]


@pytest.mark.parametrize(
    "change,words",
    [
        ({"camera": False}, "现场执法"),
        ({"revoked": True}, "已撤销"),
        ({"handled": True, "decided_at": "2026-11-21T09:00:00+08:00"}, "已处理"),
    ],
)
def test_art58_only_an_open_camera_record_can_be_handled(client, settings, session, owner, change, words):
    store(session, {**owner["violation"], **change})
    assert words in handle(client, settings, owner["phone"])
    assert requests(session) == []


def test_art21_a_record_naming_another_driver_is_theirs_to_handle(client, settings, session, owner):
    driver = person()
    store(session, driver, licence(driver), {**owner["violation"], "driver_id_number": driver["id_number"]})
    assert "其他驾驶人" in handle(client, settings, owner["phone"])
    # The recorded driver sees it as theirs (the violation query) and may handle it.
    proposal = handle(client, settings, driver["phone"])
    assert "回复Y确认" in proposal
    assert "已提交" in text(client, settings, driver["phone"], "Y")
    assert requests(session) == [("handle", "pending", None)]


def test_without_an_online_account_or_as_an_organisation_nothing_is_handled(client, settings, session):
    unregistered = person(account="none")
    car = vehicle(unregistered)
    org = organisation()
    lorry = vehicle(org)
    store(session, unregistered, licence(unregistered), car, violation(car), org, lorry, violation(lorry))
    text(client, settings, unregistered["phone"], "WZ")
    assert "注册" in text(client, settings, unregistered["phone"], "BL 1")
    text(client, settings, org["phone"], "WZ")
    assert "单位用户" in text(client, settings, org["phone"], "BL 1")
    assert requests(session) == []


def test_bl_needs_a_current_list(client, settings, session, owner):
    assert "请先回复WZ" in text(client, settings, owner["phone"], "BL")
    assert "选项已过期" in text(client, settings, owner["phone"], "BL 1")
    text(client, settings, owner["phone"], "WZ")
    assert "没有这个序号" in text(client, settings, owner["phone"], "BL 5")


def test_english(client, settings, session):
    p = person(language="en")
    car = vehicle(p)
    store(session, p, licence(p), car, violation(car))
    text(client, settings, p["phone"], "VIOLATIONS")
    proposal = text(client, settings, p["phone"], "HANDLE 1")
    assert "fine 200 yuan" in proposal.lower() or "fine" in proposal
    assert "you were the driver" in proposal and "Reply Y" in proposal
    assert "Sent your request to handle" in text(client, settings, p["phone"], "YES")


# --- deferral (art. 53 ¶2) ---------------------------------------------------------------------------------


def test_art53_deferral_of_at_most_three_months(client, settings, session, owner):
    phone = owner["phone"]
    text(client, settings, phone, "WZ")
    assert "最长三个月" in text(client, settings, phone, "HC 1 4")
    assert "请注明延期月数" in text(client, settings, phone, "HC 1")
    proposal = text(client, settings, phone, "延期处理 1 3个月")
    # Recorded 20 November: notice within 5 days, then 30 days (art. 20): 25 December, plus 3 months.
    assert "延期处理3个月" in proposal and "2027年03月25日" in proposal
    assert "已提交" in text(client, settings, phone, "Y")
    assert requests(session) == [("defer", "pending", 3)]
    [change] = feed(session)
    assert change.kind == ChangeKind.VIOLATION_DEFERRAL and change.payload["months"] == 3

    request_id = change.payload["request_id"]
    store(
        session,
        {**owner["violation"], "request_id": request_id, "request_outcome": "granted", "deferred_until": "2027-03-25"},
    )
    assert requests(session) == [("defer", "granted", 3)]
    text(client, settings, phone, "WZ")
    assert "不能再次延期" in text(client, settings, phone, "HC 1 1")


def test_art53_no_deferral_once_the_time_to_be_dealt_with_has_passed(client, settings, session, owner):
    store(
        session,
        {**owner["violation"], "occurred_at": "2026-10-01T08:00:00+08:00", "recorded_at": "2026-10-02T08:00:00+08:00"},
    )
    text(client, settings, owner["phone"], "WZ")
    assert "不能再申请延期" in text(client, settings, owner["phone"], "HC 1 2")
    assert requests(session) == []


# --- objection (art. 5 ¶3) ----------------------------------------------------------------------------------


def test_art5_objection_examined_within_five_days_and_upheld(client, settings, session, owner):
    phone = owner["phone"]
    text(client, settings, phone, "WZ")
    proposal = text(client, settings, phone, "SS 1")
    assert "异议" in proposal and "5日内" in proposal
    done = text(client, settings, phone, "Y")
    assert "2026年11月29日前审查" in done  # 24 November + 5 days
    [change] = feed(session)
    assert change.kind == ChangeKind.VIOLATION_OBJECTION
    # While the objection is examined the record is not handled.
    assert "异议正在审查" in handle(client, settings, phone)

    store(
        session,
        {
            **owner["violation"],
            "revoked": True,
            "request_id": change.payload["request_id"],
            "request_outcome": "upheld",
        },
    )
    assert requests(session) == [("object", "upheld", None)]


def test_art5_the_owner_may_object_when_another_driver_is_recorded(client, settings, session, owner):
    # 处理程序规定 art. 5 ¶3: the offender or the owner may object to a camera record's facts.
    driver = person()
    store(session, driver, licence(driver), {**owner["violation"], "driver_id_number": driver["id_number"]})
    phone = owner["phone"]
    text(client, settings, phone, "WZ")
    proposal = text(client, settings, phone, "SS 1")
    assert "其他驾驶人" not in proposal and "异议" in proposal and "5日内" in proposal
    assert "2026年11月29日前审查" in text(client, settings, phone, "Y")
    assert requests(session) == [("object", "pending", None)]
    [change] = feed(session)
    assert change.kind == ChangeKind.VIOLATION_OBJECTION


def test_art5_an_objection_after_the_decision_is_reconsideration_not_objection(client, settings, session, owner):
    store(session, {**owner["violation"], "handled": True, "decided_at": "2026-11-21T09:00:00+08:00"})
    text(client, settings, owner["phone"], "WZ")
    assert "行政复议" in text(client, settings, owner["phone"], "SS 1")


# --- paying --------------------------------------------------------------------------------------------------


def test_jk_gives_the_reference_the_ways_to_pay_and_todays_amount(client, settings, session, owner):
    phone = owner["phone"]
    assert "没有待缴" in text(client, settings, phone, "JK")
    store(
        session,
        {
            **owner["violation"],
            "handled": True,
            "decided_at": "2026-11-21T09:00:00+08:00",
            "decision_number": "3502031900012345",
            "payment_reference": "350200260001234567",
            "driver_id_number": owner["person"]["id_number"],
        },
    )
    reply = text(client, settings, phone, "JK")
    assert "缴款编号3502 0026 0001 2345 67" in reply and "决定书3502031900012345" in reply
    assert "今日应缴200元" in reply and "不收取任何款项" in reply and "银行" in reply


def test_jk_adds_the_late_fee_of_art60(client, settings, session, owner):
    # Served 1 October 2026 (a holiday): due by the first working day after 16 October, 3 % a day after.
    store(
        session,
        {
            **owner["violation"],
            "handled": True,
            "decided_at": "2026-10-01T09:00:00+08:00",
            "payment_reference": "350200260001234567",
        },
    )
    text(client, settings, owner["phone"], "WZ")
    reply = text(client, settings, owner["phone"], "JK 1")
    assert "含加处罚款" in reply
    assert "缴款编号3502 0026 0001 2345 67" in reply


def test_jk_of_an_undecided_violation_offers_handling(client, settings, session, owner):
    text(client, settings, owner["phone"], "WZ")
    assert "尚未作出处罚决定" in text(client, settings, owner["phone"], "JK 1")


# --- the upstream's answers: named errors ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "change,field,reason",
    [
        ({"decision_number": "3502031900012345"}, "decision_number", "given while handled is false"),
        ({"payment_reference": "12"}, "payment_reference", "a payment reference is 10 to 30 digits"),
        ({"request_id": 1}, "request_outcome", "is required with request_id"),
        ({"request_outcome": "upheld"}, "request_id", "is required with request_outcome"),
        (
            {"request_id": 1, "request_outcome": "granted"},
            "deferred_until",
            "is required when request_outcome is granted",
        ),
        ({"request_id": 1, "request_outcome": "decided"}, "request_outcome", "is decided while handled is false"),
        ({"request_id": 1, "request_outcome": "maybe"}, "request_outcome", "maybe"),
    ],
)
def test_bad_answers_get_named_errors(session, owner, change, field, reason):
    from hotline.ingest import apply_records
    from tests.factories import DEFAULT_NOW

    result = apply_records(
        session, [("line 1", {**owner["violation"], **change})], now=DEFAULT_NOW, baseline=True, pepper="p"
    )
    session.rollback()
    assert not result.ok
    [error] = result.errors
    assert error.field == field and reason in error.reason, error


def test_an_answer_that_does_not_fit_the_request_leaves_it_waiting(client, settings, session, owner):
    text(client, settings, owner["phone"], "WZ")
    text(client, settings, owner["phone"], "SS 1")
    text(client, settings, owner["phone"], "Y")
    [change] = feed(session)
    store(
        session,
        {
            **owner["violation"],
            "request_id": change.payload["request_id"],
            "request_outcome": "granted",
            "deferred_until": "2027-01-31",
        },
    )
    assert requests(session) == [("object", "pending", None)]
