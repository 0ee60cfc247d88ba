"""Issue #19's end-to-end check, through the real HTTP app: a texter handles a camera record (BL, Y), the
upstream takes the request from GET /api/changes and answers through POST /api/events with the decision
(decision number, served time, payment reference), the texter's WZ and JK say the decision and how to pay,
and a payment record later plans the confirmation (W06) exactly once; deferral and objection answers are
texted (W07, W08), a refused handling request too (W09)."""

from __future__ import annotations

from sqlalchemy import select

from hotline.db import Notice, ViolationRequest
from hotline.notify.notice_text import render_notice
from tests.factories import licence, person, store, vehicle, violation
from tests.sms.helpers import read, text

TOKEN = {"Authorization": "Bearer dev-api-token"}


def changes(client, kind: str) -> list[dict]:
    answer = client.get("/api/changes", headers=TOKEN)
    assert answer.status_code == 200
    return [c["data"] for c in answer.json["changes"] if c["kind"] == kind]


def post(client, *records: dict) -> dict:
    answer = client.post("/api/events", json=list(records), headers=TOKEN)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.json


def notices(session, kind: str) -> list[Notice]:
    return read(session, select(Notice).where(Notice.kind == kind).order_by(Notice.id))


def someone_with_a_camera_record(session):
    p = person(account="internet")
    car = vehicle(p)
    record = violation(car)
    store(session, p, licence(p, points=3), car, record)
    return p, car, record


def test_handle_decide_pay(client, settings, session):
    p, car, record = someone_with_a_camera_record(session)
    phone = p["phone"]
    listing = text(client, settings, phone, "WZ")
    assert "未处理" in listing and "回复BL加序号自助处理" in listing
    text(client, settings, phone, "BL 1")
    assert "已提交" in text(client, settings, phone, "Y")

    [request] = changes(client, "violation_handling")
    assert request["ref"] == record["ref"] and request["id_number"] == p["id_number"]
    decided = {**record, "handled": True, "decided_at": "2026-11-24T09:30:00+08:00",
               "decision_number": "3502031900012345", "payment_reference": "350200260001234567",
               "driver_id_number": p["id_number"], "request_id": request["request_id"], "request_outcome": "decided"}
    assert post(client, decided)["updated"] == 1
    [row] = read(session, select(ViolationRequest))
    assert row.status == "decided"

    # The decision is texted (W02) with the payment reference, and WZ and JK say it too.
    [w02] = notices(session, "W02")
    served = render_notice(w02, "zh-CN", settings)
    assert "缴款编号3502 0026 0001 2345 67" in served and "2026年12月09日" in served
    listing = text(client, settings, phone, "WZ")
    assert "已处理未缴款" in listing and "缴款编号3502 0026 0001 2345 67" in listing and "回复JK" in listing
    how = text(client, settings, phone, "JK")
    assert "决定书3502031900012345" in how and "今日应缴200元" in how and "银行" in how

    # Paid: the confirmation is planned once, however often the paid record comes again.
    post(client, {**decided, "paid": True})
    post(client, {**decided, "paid": True})
    post(client, {**decided, "paid": True, "updated_at": "2026-11-24T10:00:00+08:00"})
    [w06] = notices(session, "W06")
    assert "已缴纳" in render_notice(w06, "zh-CN", settings)
    assert "没有待缴" in text(client, settings, phone, "JK")


def test_deferral_and_objection_answers_are_texted(client, settings, session):
    p, car, record = someone_with_a_camera_record(session)
    other = violation(car, occurred_at="2026-11-19T08:00:00+08:00")
    store(session, other)
    phone = p["phone"]
    text(client, settings, phone, "WZ")  # 1: the 18 November record's neighbour on the 19th, then the 18th
    text(client, settings, phone, "HC 1 2")
    text(client, settings, phone, "Y")
    text(client, settings, phone, "SS 2")
    text(client, settings, phone, "Y")
    [deferral] = changes(client, "violation_deferral")
    [objection] = changes(client, "violation_objection")
    by_ref = {other["ref"]: other, record["ref"]: record}
    post(client,
         {**by_ref[deferral["ref"]], "request_id": deferral["request_id"], "request_outcome": "granted",
          "deferred_until": "2027-02-25"},
         {**by_ref[objection["ref"]], "revoked": True, "request_id": objection["request_id"],
          "request_outcome": "upheld"})
    [w07] = notices(session, "W07")
    assert "已批准" in render_notice(w07, "zh-CN", settings) and "2027年02月25日" in render_notice(w07, "zh-CN",
                                                                                                    settings)
    assert "granted" in render_notice(w07, "en", settings)
    [w08] = notices(session, "W08")
    assert "成立" in render_notice(w08, "zh-CN", settings) and "已消除" in render_notice(w08, "zh-CN", settings)
    assert sorted(r.status for r in read(session, select(ViolationRequest))) == ["granted", "upheld"]


def test_a_refused_handling_request_is_texted(client, settings, session):
    p, car, record = someone_with_a_camera_record(session)
    text(client, settings, p["phone"], "WZ")
    text(client, settings, p["phone"], "BL 1")
    text(client, settings, p["phone"], "Y")
    [request] = changes(client, "violation_handling")
    post(client, {**record, "request_id": request["request_id"], "request_outcome": "refused"})
    [w09] = notices(session, "W09")
    assert "窗口" in render_notice(w09, "zh-CN", settings)
    # Refused, the record may be asked about again.
    text(client, settings, p["phone"], "WZ")
    assert "回复Y确认" in text(client, settings, p["phone"], "BL 1")
