"""Extensions by text: YQ step by step or in one message, the driving-ban warning and Y, the window-only
rule, cancelling with QX, and the upstream's grant showing in JSZ."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from hotline.db import ChangeKind, ExtensionApplication, OutboundChange
from tests.factories import licence, person, store
from tests.sms.helpers import read, text


@pytest.fixture
def window_driver(session):
    p = person(account="window")
    store(session, p, licence(p))
    return p


def applications(session) -> list[tuple[str, str, int, str]]:
    rows = read(session, select(ExtensionApplication).order_by(ExtensionApplication.id))
    return [(row.kind, row.reason, row.years, row.status) for row in rows]


def feed(session) -> list[str]:
    return [c.kind for c in read(session, select(OutboundChange).order_by(OutboundChange.id))]


def test_step_by_step_then_confirm(client, settings, session, window_driver):
    phone = window_driver["phone"]
    assert "YQ 1延期换证" in text(client, settings, phone, "YQ")
    assert "YQ 2 2出国(境)" in text(client, settings, phone, "YQ 2")
    assert "YQ 2 1 3" in text(client, settings, phone, "延期 2 1")
    proposal = text(client, settings, phone, "YQ 2 1 3")
    assert "延期审验" in proposal and "服兵役" in proposal and "3年" in proposal
    assert "延期期间不得驾驶机动车" in proposal and "回复Y确认" in proposal
    assert applications(session) == []  # nothing until confirmed

    done = text(client, settings, phone, "确认")
    assert "已提交延期审验申请" in done
    assert applications(session) == [("review", "military", 3, "pending")]
    assert feed(session) == [ChangeKind.EXTENSION_APPLICATION]


@pytest.mark.parametrize("body,kind,reason,years", [
    ("YQ 1 1 1", "renewal", "military", 1),
    ("yq 3 2 2", "physical", "abroad", 2),
    ("延期换证 3 3", "renewal", "other", 3),
    ("YQ 123", "renewal", "abroad", 3),
])
def test_one_message_carries_all_three_choices(client, settings, session, window_driver, body, kind, reason, years):
    text(client, settings, window_driver["phone"], body)
    assert "已提交" in text(client, settings, window_driver["phone"], "Y")
    assert applications(session) == [(kind, reason, years, "pending")]


@pytest.mark.parametrize("body", ["YQ 4", "YQ 1 4", "YQ 1 1 4", "YQ 1 1 0"])
def test_a_number_outside_the_list_asks_again(client, settings, session, window_driver, body):
    assert "没有这个序号" in text(client, settings, window_driver["phone"], body)
    assert "没有待确认" in text(client, settings, window_driver["phone"], "Y")
    assert applications(session) == []


def test_an_internet_user_is_told_to_convert_at_a_window(client, settings, session):
    p = person(account="internet")
    store(session, p, licence(p))
    reply = text(client, settings, p["phone"], "YQ 1 2 3")
    assert "窗口核验用户" in reply and "转为" in reply
    assert "没有待确认" in text(client, settings, p["phone"], "Y")
    assert applications(session) == [] and feed(session) == []


def test_english_replies(client, settings, session):
    p = person(account="window", language="en")
    store(session, p, licence(p))
    proposal = text(client, settings, p["phone"], "EXTEND 1 2 2")
    assert "2-year licence renewal extension (abroad)" in proposal and "may not be used to drive" in proposal
    assert "Applied for a 2-year licence renewal extension" in text(client, settings, p["phone"], "YES")


def test_a_second_of_the_same_kind_is_refused_before_the_confirmation(client, settings, session, window_driver):
    phone = window_driver["phone"]
    text(client, settings, phone, "YQ 1 2 1")
    text(client, settings, phone, "Y")
    assert "已有一项同类延期申请" in text(client, settings, phone, "YQ 1 3 2")
    assert "您已有待审核的延期申请" in text(client, settings, phone, "YQ")


def test_cancel_a_pending_extension_with_qx(client, settings, session, window_driver):
    phone = window_driver["phone"]
    text(client, settings, phone, "YQ 3 2 1")
    text(client, settings, phone, "Y")
    listing = text(client, settings, phone, "QX")
    assert "1.延期提交身体条件证明申请 1年" in listing
    assert "将撤回延期提交身体条件证明申请" in text(client, settings, phone, "QX 1")
    assert "已撤回" in text(client, settings, phone, "Y")
    assert applications(session) == [("physical", "abroad", 1, "cancelled")]
    assert feed(session) == [ChangeKind.EXTENSION_APPLICATION, ChangeKind.EXTENSION_CANCELLATION]


def test_the_upstream_grant_shows_in_the_licence_query(client, settings, session, window_driver):
    phone = window_driver["phone"]
    text(client, settings, phone, "YQ 1 2 2")
    text(client, settings, phone, "Y")
    store(session, licence(window_driver, status="N", extension_until=date(2028, 11, 24)))
    assert applications(session) == [("renewal", "abroad", 2, "granted")]
    reply = text(client, settings, phone, "JSZ")
    assert "延期换证" in reply and "延期至2028年11月24日" in reply


def test_gg_from_a_number_not_on_record_asks_for_an_area(client, settings):
    from tests.factories import valid_phone

    phone = valid_phone()
    assert "GG加6位地区代码" in text(client, settings, phone, "GG")
    assert "地区代码有误" not in text(client, settings, phone, "GG 350203")
    assert "您未订阅" in text(client, settings, valid_phone(), "GG TD")
