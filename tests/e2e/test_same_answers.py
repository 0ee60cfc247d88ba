"""ARCHITECTURE.md rule 1: voice and SMS call the same business core and carry the same facts.

Each query is asked twice by the same person, once by a (signed, simulated) phone call through the voice
menu and once by a text, and every fact the service returns (dates, amounts, points, counts, plates,
status words, sites) must be in both answers. The texts are compared after one normalisation that both
channels' wordings share: Chinese digits and zero-padding aside, the spoken `闽，D，幺，二…` and the
written `闽D12…` are the same plate, and `2026年12月8日` and `2026年12月08日` the same day (as are
`15 March 2027` and `15 Mar 2027`).
"""

from __future__ import annotations

import re
from datetime import date

import pytest
import yaml

from hotline.cli.phone import FlaskTransport, PhoneCall
from hotline.config import ROOT
from hotline.services import exams, identity, inspections, queries
from tests.factories import exam_plan, inspection_slot, learner, licence, person, store, vehicle, violation
from tests.sms.helpers import text

PIN = "135790"
# The voice menu's own words for states; the SMS must say the same.
VOICE_TERMS = yaml.safe_load((ROOT / "ivr_flows" / "main.yaml").read_text(encoding="utf-8"))["texts"]["terms"]
_DIGITS = str.maketrans("零一幺二三四五六七八九", "01123456789")


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_EN_DATE = re.compile(r"(\d{1,2}) (" + "|".join(_MONTHS) + r")[a-z]* (\d{4})")


def norm(answer: str) -> str:
    answer = answer.translate(_DIGITS)
    answer = _EN_DATE.sub(lambda m: f"{m.group(3)}-{_MONTHS.index(m.group(2)) + 1}-{int(m.group(1))}", answer)
    answer = re.sub(r"[\s，、,。.:：]", "", answer)
    return re.sub(r"(\d{4})年0?(\d{1,2})月0?(\d{1,2})日", r"\1-\2-\3", answer)


def day(value: date) -> str:
    return f"{value.year}-{value.month}-{value.day}"


def yuan(fen: int) -> str:
    assert fen % 100 == 0, "the fixtures use whole yuan"
    return f"{fen // 100}元"


@pytest.fixture
def someone(app, session):
    p = person(account="internet", pin=PIN, name="陈志鹏")
    car = vehicle(p, plate="闽D36512", inspection_valid_until="2026-12-20")
    store(
        session, p, car, learner(p),
        licence(p, points=5, review_due="2027-03-15", classes=["C1", "D"]),
        violation(car, fine_cny=200, points=6, occurred_at="2026-11-18T08:15:00+08:00"),
        violation(car, fine_cny=150, points=3, handled=True, decided_at="2026-11-21T10:00:00+08:00",
                  occurred_at="2026-11-12T18:40:00+08:00"),
        exam_plan(plan_id="XM01-KM2-SAME", date="2026-12-08", session="PM", site_name="厦门集美考场"),
        inspection_slot(slot_id="JC01-SAME", starts_at="2026-12-02T14:00:00+08:00",
                        ends_at="2026-12-02T15:00:00+08:00", station_name="厦门海沧检测站"),
        pepper=app.extensions["hotline"].settings.pin_pepper,
    )
    rt = app.extensions["hotline"]
    with rt.transaction() as s:
        [party] = identity.identify(s, p["phone"])
        exams.apply(s, rt.clock, rt.calendar, rt.settings, party, "XM01-KM2-SAME", "api")
    return p


def voice(app, phone: str, keys: list[str], language: str = "zh-CN") -> str:
    """Call, choose the language (1 Mandarin, 9 English), enter the PIN, press `keys`; the last answer."""
    rt = app.extensions["hotline"]
    call = PhoneCall(FlaskTransport(app.test_client(), rt.settings.public_url, rt.settings.twilio_auth_token), phone)
    turn = call.start()
    for key in ["1" if language == "zh-CN" else "9", PIN, *keys]:
        assert turn.waiting == "gather", turn.body
        turn = call.press(key)
    assert turn.status == 200
    return turn.text


def service(app, phone: str, ask):
    rt = app.extensions["hotline"]
    with rt.transaction(read_only=True) as s:
        [party] = identity.identify(s, phone)
        return ask(s, rt, party)


def assert_same_facts(spoken: str, written: str, facts: list[str]) -> None:
    said, sent = norm(spoken), norm(written)
    for fact in facts:
        assert fact in said, f"voice lacks {fact!r}: {spoken}"
        assert fact in sent, f"SMS lacks {fact!r}: {written}"


def test_violations(app, client, settings, someone):
    rows = service(app, someone["phone"], lambda s, rt, party: queries.violations(s, rt.clock, party))
    assert len(rows) == 2
    facts = ["闽D36512"]
    for v in rows:
        facts += [day(v.occurred_at.date()), yuan(v.fine_fen), f"记{v.points}分"]
    facts += ["未处理", "未缴款"]
    assert_same_facts(voice(app, someone["phone"], ["1"]), text(client, settings, someone["phone"], "WZ"), facts)


def test_licence(app, client, settings, someone):
    view = service(app, someone["phone"], lambda s, rt, party: queries.licence_status(s, rt.clock, party))
    facts = ["C1", "D", *view.status_zh, day(view.valid_until), day(view.cycle_end), f"已记{view.points}分",
             day(view.review_due)]
    assert_same_facts(voice(app, someone["phone"], ["2"]), text(client, settings, someone["phone"], "JSZ"), facts)


def test_vehicles(app, client, settings, someone):
    [view] = service(app, someone["phone"], lambda s, rt, party: queries.vehicles(s, rt.clock, party))
    facts = [view.plate, *view.status_zh, day(view.inspection_valid_until),
             f"违法{view.unhandled_count}条", f"未缴款{view.unpaid_count}条"]
    assert_same_facts(voice(app, someone["phone"], ["3"]), text(client, settings, someone["phone"], "CL"), facts)


def test_exam_applications(app, client, settings, someone):
    [view] = service(app, someone["phone"],
                     lambda s, rt, party: exams.applications(s, rt.clock, party, rt.calendar))
    facts = [day(view.date), "下午", view.site_name, norm(VOICE_TERMS["application_status"][view.status]["zh-CN"])]
    assert_same_facts(voice(app, someone["phone"], ["4", "1"]), text(client, settings, someone["phone"], "KS"), facts)


def test_open_exam_plans(app, client, settings, session, someone):
    # The plans offered are those the person may book (exams.offer): KM3 here; KM2 is already applied for.
    store(session, exam_plan(plan_id="XM01-KM3-SAME", subject="KM3", date="2026-12-09", site_name="厦门翔安考场"))
    plans = service(app, someone["phone"], lambda s, rt, party: exams.offer(s, rt.clock, rt.settings, party).plans)
    assert [p.plan_id for p in plans] == ["XM01-KM3-SAME"]
    facts = [fact for p in plans for fact in (day(p.date), p.site_name)]
    assert_same_facts(voice(app, someone["phone"], ["4", "2"]), text(client, settings, someone["phone"], "YY KM3"),
                      facts)


def test_inspection_slots(app, client, settings, someone):
    slots = service(app, someone["phone"], lambda s, rt, party: inspections.open_slots(s, rt.clock))
    facts = [fact for slot in slots for fact in (day(slot.starts_at.date()), slot.station_name)]
    assert_same_facts(voice(app, someone["phone"], ["5", "1"]), text(client, settings, someone["phone"], "JY"), facts)


def test_licence_in_english(app, client, settings, someone):
    view = service(app, someone["phone"], lambda s, rt, party: queries.licence_status(s, rt.clock, party))
    facts = ["C1", "D", *view.status_en, day(view.valid_until), day(view.cycle_end), f"{view.points}points",
             day(view.review_due)]
    assert "English" in text(client, settings, someone["phone"], "EN")
    assert_same_facts(voice(app, someone["phone"], ["2"], "en"), text(client, settings, someone["phone"], "JSZ"),
                      facts)


def test_vehicle_in_english(app, client, settings, someone):
    [view] = service(app, someone["phone"], lambda s, rt, party: queries.vehicles(s, rt.clock, party))
    facts = [*view.status_en, day(view.inspection_valid_until)]
    text(client, settings, someone["phone"], "EN")
    assert_same_facts(voice(app, someone["phone"], ["3"], "en"), text(client, settings, someone["phone"], "CL"),
                      facts)
