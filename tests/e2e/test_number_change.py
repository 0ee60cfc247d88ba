"""Changing one's contact number by text (道路交通安全违法行为处理程序规定 art. 20 ¶2: contact details may be
recorded or changed online), through the real HTTP app on both databases: verified on the old number (the
sender's number on record, and a second message from it), proven on the new one (a code texted there), then
reported on GET /api/changes as `contact_number_change`; the upstream's person record with the new number
confirms it, P01 goes to the old and the new number exactly once, and notices follow the new number."""

from __future__ import annotations

import re

from sqlalchemy import select

from hotline.cli.phone import FlaskTransport, PhoneCall
from hotline.db import Notice, NumberChange, VerificationAttempt
from hotline.notify.notice_text import render_notice
from hotline.services import identity
from tests import factories as f
from tests.e2e.voice_world import PIN
from tests.factories import organisation, person, store, valid_phone
from tests.sms.helpers import read, text

TOKEN = {"Authorization": "Bearer dev-api-token"}
NEW = "+8613912345678"


def changes(client) -> list[dict]:
    answer = client.get("/api/changes", headers=TOKEN)
    assert answer.status_code == 200
    return [c["data"] for c in answer.json["changes"] if c["kind"] == "contact_number_change"]


def post(client, *records: dict) -> dict:
    answer = client.post("/api/events", json=list(records), headers=TOKEN)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.json


def code_sent_to(session, phone: str) -> str:
    """The code in the last text queued to `phone` (a one-time code is an X01 text)."""
    rows = read(session, select(Notice).where(Notice.kind == "X01", Notice.phone == phone).order_by(Notice.id))
    assert rows, f"no code was texted to {phone}"
    return re.search(r"[0-9]{6}", rows[-1].body).group(0)


def registered(session, **overrides):
    p = person(account="internet", **overrides)
    store(session, p)
    return p


def test_art20_change_by_text_confirmed_upstream_notice_to_both_numbers_once(client, settings, session):
    p = registered(session)
    old = p["phone"]
    asked = text(client, settings, old, "GH 139 1234 5678")
    assert "139****5678" in asked and "GH 123456" in asked
    code = code_sent_to(session, NEW)
    assert not read(session, select(Notice).where(Notice.kind == "X01", Notice.phone == old))  # not to the old
    assert changes(client) == []  # nothing is reported before the new number is proven

    done = text(client, settings, old, f"GH {code}")
    assert "已提交联系电话变更" in done
    [change] = changes(client)
    assert change["id_number"] == p["id_number"] and change["old_phone"] == old and change["new_phone"] == NEW
    assert change["status"] == "pending"
    [row] = read(session, select(NumberChange))
    assert row.status == "pending"

    # A second request while it waits is refused.
    assert "正在审核" in text(client, settings, old, "GH 13912345679")

    # The upstream confirms by sending the person record with the new number, again and again.
    for _ in range(3):
        post(client, {**p, "phone": NEW})
    [row] = read(session, select(NumberChange))
    assert row.status == "confirmed"
    p01 = read(session, select(Notice).where(Notice.kind == "P01").order_by(Notice.phone))
    assert sorted(n.phone for n in p01) == sorted([old, NEW])
    body = render_notice(p01[0], "zh-CN", settings)
    assert "139****5678" in body and "窗口" in body
    assert "notices now go to the new number" in render_notice(p01[0], "en", settings)

    # From now on the person is the new number: it is answered, the old one is not theirs any more.
    assert "这就是您登记的联系电话" in text(client, settings, NEW, f"GH {NEW}")


def test_art20_the_code_must_come_back_from_the_old_number(client, settings, session):
    p = registered(session)
    text(client, settings, p["phone"], f"GH {NEW}")
    code = code_sent_to(session, NEW)
    # Sent from the new number (nobody on record there), the code proves nothing.
    assert "已提交" not in (text(client, settings, NEW, f"GH {code}") or "")
    assert changes(client) == []
    assert "已提交" in text(client, settings, p["phone"], code)  # the code alone, from the old number


def test_art20_wrong_code_counts_toward_the_lockout(client, settings, session):
    p = registered(session)
    old = p["phone"]
    text(client, settings, old, f"GH {NEW}")
    code = code_sent_to(session, NEW)
    wrong = "000000" if code != "000000" else "111111"
    assert "验证码错误" in text(client, settings, old, f"GH {wrong}")
    failures = read(session, select(VerificationAttempt).where(VerificationAttempt.outcome == "failure"))
    assert len(failures) == 1
    for _ in range(4):
        text(client, settings, old, f"GH {wrong}")
    # Locked now: even the right code is not looked at.
    assert "锁定" in text(client, settings, old, f"GH {code}")
    assert changes(client) == []


def test_art20_a_verification_code_does_not_prove_a_new_number(client, settings, session, clock):
    """A code sent to the number on record (to verify a caller) never stands in for the new number's."""
    p = registered(session)
    text(client, settings, p["phone"], f"GH {NEW}")
    party = identity.party_by_id_number(session, p["id_number"])
    login = identity.issue_code(session, clock, settings, party)
    session.commit()
    assert "验证码错误" in text(client, settings, p["phone"], f"GH {login.code}")
    assert changes(client) == []
    # And the new number's code does not verify a caller.
    text(client, settings, p["phone"], f"GH {NEW}")
    proof = code_sent_to(session, NEW)
    assert not identity.verify_code(session, clock, settings, party, proof, p["phone"]).ok
    session.rollback()


def test_art20_refusals_same_number_taken_number_bad_number(client, settings, session):
    p = registered(session)
    other = registered(session)
    org = organisation()
    store(session, org)
    assert "无需变更" in text(client, settings, p["phone"], f"GH {p['phone']}")
    taken = text(client, settings, p["phone"], f"GH {other['phone']}")
    # Only that it cannot be used; never whose it is.
    assert "不能用于变更" in taken and "窗口" in taken and other["name"][0] not in taken.replace("交管", "")
    assert "不能用于变更" in text(client, settings, p["phone"], f"GH {org['phone']}")
    assert "新号码有误" in text(client, settings, p["phone"], "GH 01059123456")  # a landline takes no code
    assert not read(session, select(Notice).where(Notice.kind == "X01"))  # no code went anywhere


def test_art20_no_takeover_of_a_number_another_change_waits_for(client, settings, session):
    first, second = registered(session), registered(session)
    text(client, settings, first["phone"], f"GH {NEW}")
    text(client, settings, first["phone"], f"GH {code_sent_to(session, NEW)}")
    assert "不能用于变更" in text(client, settings, second["phone"], f"GH {NEW}")


def test_art20_account_level_none_and_organisations_are_refused(client, settings, session):
    unregistered = person(account="none")
    org = organisation()
    store(session, unregistered, org)
    assert "注册" in text(client, settings, unregistered["phone"], f"GH {NEW}")
    assert "窗口" in text(client, settings, org["phone"], f"GH {NEW}")
    assert not read(session, select(Notice).where(Notice.kind == "X01"))


def test_art20_too_many_codes(client, settings, session):
    p = registered(session)
    for n in range(5):
        assert "验证码已发送" in text(client, settings, p["phone"], f"GH {valid_phone(900 + n)}")
    assert "次数过多" in text(client, settings, p["phone"], f"GH {NEW}")


def test_art20_a_code_with_nothing_waiting(client, settings, session):
    p = registered(session)
    assert "没有待验证" in text(client, settings, p["phone"], "GH 123456")


# --- by phone: other services (8), then 3; the call is verified by PIN before the menu ----------------------


def call_to_change(app, settings, world, **overrides):
    someone = f.person(pin=PIN, account="internet", **overrides)
    world.store(someone)
    call = PhoneCall(
        FlaskTransport(app.test_client(), settings.public_url, settings.twilio_auth_token), someone["phone"]
    )
    call.start()
    call.press("1")
    call.press(PIN)
    assert "变更联系电话请按3" in call.press("8").text
    return call, someone


def test_art20_change_by_phone_code_from_the_new_number_keyed_in(app, client, settings, session, world):
    call, someone = call_to_change(app, settings, world)
    asked = call.press("3").text
    assert "11位手机号码" in asked
    sent = call.press("13912345678#").text
    assert "尾号5678" in sent
    code = code_sent_to(session, NEW)
    wrong = "000000" if code != "000000" else "111111"
    assert "验证码错误" in call.press(wrong + "#").text
    assert len(read(session, select(VerificationAttempt).where(VerificationAttempt.outcome == "failure"))) == 1
    call.press("3")
    call.press("13912345678#")
    code = code_sent_to(session, NEW)
    assert "联系电话变更已提交" in call.press(code + "#").text
    [change] = changes(client)
    assert change["channel"] == "voice" and change["new_phone"] == NEW and change["old_phone"] == someone["phone"]


def test_art20_by_phone_a_number_on_record_for_someone_else_is_refused(app, settings, session, world):
    other = f.person()
    world.store(other)
    call, _ = call_to_change(app, settings, world)
    call.press("3")
    refused = call.press(other["phone"].removeprefix("+86") + "#").text
    assert "不能用于变更" in refused and other["name"] not in refused
    assert not read(session, select(Notice).where(Notice.kind == "X01", Notice.phone == other["phone"]))


# 处理程序规定 art. 20 ¶2 is one's own number: a change must not become a way to learn whether some other
# mobile number is on record. The code limits come first, and a refused number counts as a code sent.


def test_art20_probing_numbers_on_record_spends_the_code_budget_then_all_answers_alike(client, settings, session):
    p = registered(session)
    others = [registered(session) for _ in range(identity.MAX_CODES_PER_HOUR)]
    for other in others:
        assert "不能用于变更" in text(client, settings, p["phone"], f"GH {other['phone']}")
    # The budget is spent: a free number and a number on record get the same answer.
    assert "次数过多" in text(client, settings, p["phone"], f"GH {NEW}")
    assert "次数过多" in text(client, settings, p["phone"], f"GH {others[0]['phone']}")
    assert not read(session, select(Notice).where(Notice.kind == "X01"))  # no code went anywhere


def test_art20_by_phone_a_refused_number_counts_toward_the_code_limits(app, settings, session, world):
    others = [f.person() for _ in range(identity.MAX_CODES_PER_HOUR)]
    world.store(*others)
    call, _ = call_to_change(app, settings, world)
    for other in others:
        call.press("3")
        assert "不能用于变更" in call.press(other["phone"].removeprefix("+86") + "#").text
    call.press("3")
    assert "次数过多" in call.press("13912345678#").text
    assert not read(session, select(Notice).where(Notice.kind == "X01"))


def test_art20_with_redis_down_the_answer_is_try_later_and_no_code_is_counted(client, settings, session, redis_server):
    p = registered(session)
    redis_server.stop()
    try:
        for _ in range(identity.MAX_CODES_PER_HOUR):
            assert "系统繁忙" in text(client, settings, p["phone"], f"GH {NEW}")
    finally:
        redis_server.start()
    assert not read(session, select(Notice).where(Notice.kind == "X01"))
    # Nothing was counted: the code goes out now.
    assert "验证码已发送" in text(client, settings, p["phone"], f"GH {NEW}")
    assert code_sent_to(session, NEW)
