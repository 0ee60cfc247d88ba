"""Reply templates and fitting: both languages, no undefined variables, 4 segments, pages that add up."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from hotline.domain.refusals import RefusalCode
from hotline.domain.segments import count, is_gsm7
from hotline.ivr import actions, loader
from hotline.replies import MAX_SEGMENTS, Replier, clip, sign
from hotline.services.announcements import AnnouncementView
from hotline.services.exams import PlanView
from hotline.services.queries import ViolationView
from hotline.templates import TEMPLATE_ROOT
from hotline.templates import render as render_template

SIGNATURE = "【交管12123】"
NAMES = sorted(p.stem for p in Path(TEMPLATE_ROOT, "zh-CN", "sms").glob("*.j2"))
AT = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)

# Every refusal code the services name, with the facts they carry.
REFUSALS = {
    "register_first": {}, "persons_only": {}, "organisations_only": {}, "not_a_learner": {},
    "no_such_plan": {"plan_id": "P"}, "booking_closed": {"plan_id": "P", "closed_at": AT},
    "class_not_served": {"licence_class": "C1", "classes": ["A1"]},
    "already_passed": {"subject": "KM2", "passed_on": date(2026, 10, 1)},
    "already_open": {"application_id": 1, "plan_id": "P"}, "no_permit": {"subject": "KM2"},
    "permit_expired": {"expires": date(2026, 12, 1)}, "too_early": {"earliest": date(2026, 12, 1)},
    "km2_not_passed": {}, "km3_not_passed": {}, "no_road_test": {"licence_class": "C6"},
    "attempts_exhausted": {"used": 5, "limit": 5},
    "retake_too_early": {"earliest": date(2026, 12, 1), "last_exam": date(2026, 11, 20)},
    "no_such_application": {"application_id": 1}, "not_cancellable": {"status": "cancelled"},
    "window_only": {"window_deadline": date(2026, 12, 7), "exam_date": date(2026, 12, 8)},
    "too_late": {"exam_date": date(2026, 12, 8)}, "not_your_vehicle": {"vehicle_id": 1},
    "no_such_slot": {"slot_id": "S"}, "slot_started": {"slot_id": "S", "starts_at": AT},
    "slot_full": {"slot_id": "S"}, "already_booked": {"booking_id": 1, "slot_id": "S", "starts_at": AT},
    "no_such_booking": {"booking_id": 1}, "already_cancelled": {"booking_id": 1},
    **{code: {"plate": "闽D12345", "status": status} for code, status in (
        ("vehicle_stolen", "C"), ("vehicle_deregistered", "E"), ("vehicle_scrapped", "P"), ("vehicle_sealed", "K"),
        ("vehicle_transferred_out", "B"))},
    "inspection_exempt": {"plate": "闽D12345", "valid_until": date(2027, 2, 28), "opens": date(2026, 11, 28)},
    "inspection_too_early": {"plate": "闽D12345", "valid_until": date(2027, 5, 31), "opens": date(2027, 2, 28)},
    # extensions and announcements
    "window_account_only": {"account": "internet"}, "no_licence": {}, "bad_kind": {"kind": "x"},
    "bad_reason": {"reason": "x"}, "bad_years": {"years": 4}, "not_acknowledged": {},
    "extension_open": {"kind": "renewal", "application_id": 1}, "no_such_extension": {"application_id": 1},
    "no_area": {}, "bad_area": {"area": "12"},
    # violation handling, deferral, objection, paying (services/violation_handling.py)
    "no_such_violation": {"ref": "R"}, "another_driver": {"ref": "R"}, "not_camera": {"ref": "R"},
    "revoked": {"ref": "R"}, "already_handled": {"ref": "R", "decided_at": AT},
    "general_procedure": {"ref": "R", "fine_fen": 50000, "limit_fen": 20000}, "no_licence_to_handle": {},
    "points_limit": {"points": 9, "pending_points": 3, "violation_points": 6, "limit": 12},
    "handling_open": {"ref": "R", "request_id": 1}, "objection_open": {"ref": "R", "request_id": 1},
    "deferral_open": {"ref": "R", "request_id": 1},
    "already_deferred": {"ref": "R", "deferred_until": date(2027, 3, 1)},
    "bad_months": {"months": 4}, "deferral_too_late": {"ref": "R", "deadline": date(2026, 11, 1)},
    "not_decided": {"ref": "R"}, "already_paid": {"ref": "R"},
    # identity and the contact number change (services/identity.py, services/number_change.py)
    "too_many_codes": {"retry_at": AT}, "verification_locked": {"locked_until": AT},
    "wrong_code": {"attempts_left": 2}, "bad_number": {}, "same_number": {}, "number_unavailable": {},
    "change_pending": {"new_phone_masked": "139****5678"},
}
UNKNOWN_CODE = "something_new"

# Refusals a channel never meets, and why; every other RefusalCode member has its own words in it.
NOT_TEXTED = {
    RefusalCode.UNKNOWN_LANGUAGE: "YY/EN set only the languages the handler knows",
    RefusalCode.BOOKING_OPEN: "allocation is run by the job, not asked for by a citizen",
    RefusalCode.CALL_FAILED: "the desk's and the voice queue's, not a citizen's",
    RefusalCode.CALLBACK_OPEN: "callbacks are asked for by voice, which says when the open one is due",
    RefusalCode.CALLBACK_NOT_WAITING: "the desk's",
    RefusalCode.NO_SUCH_CALLBACK: "the desk's",
}
NOT_SPOKEN = {
    **NOT_TEXTED,
    # the voice menu offers only its own lists: the kind, reason and years come from them, and the caller
    # hears the warning before pressing 1
    RefusalCode.BAD_KIND: "chosen from a list", RefusalCode.BAD_REASON: "chosen from a list",
    RefusalCode.BAD_YEARS: "chosen from a list", RefusalCode.NOT_ACKNOWLEDGED: "pressing 1 acknowledges",
    # announcements by voice are the caller's own region's: no area is typed
    RefusalCode.BAD_AREA: "no area is typed", RefusalCode.NO_AREA: "the caller's own region",
}

# The texts that carry no record data: English ones must stay GSM-7 (160 characters a segment).
STATIC = (
    [("help", {"problem": p, "audience": a}) for p in (None, "empty", "too_long", "control", "unrecognised")
     for a in ("person", "organisation", "public")]
    + [("failure", {}), ("limited", {"minutes": 60}), ("language", {})]
    + [("optout", {"outcome": o}) for o in ("out", "in", "needs_start", "not_out")]
    + [("who", {"case": "unknown"}), ("who", {"case": "choose", "held": True}),
       ("who", {"case": "choose", "held": False}), ("who", {"case": "no_match"})]
    + [("state", {"case": c, "keyword": "YY KM2"}) for c in
       ("try_later", "expired", "no_such", "no_vehicle", "which_subject", "nothing_pending", "declined",
        "which_violation")]
    + [("state", {"case": "which_months", "number": 2})]
    + [("refusal", {"code": code, "facts": facts}) for code, facts in REFUSALS.items()]
    + [("refusal", {"code": UNKNOWN_CODE, "facts": {}})]
    + [("refusal", {"code": "window_account_only", "facts": {"account": "none"}})]
    + [("extension", {"step": step, "numbers": numbers, "wrong": wrong, "open_kinds": ["renewal"]})
       for step, numbers in (("kind", ()), ("reason", (3,)), ("years", (3, 2))) for wrong in (True, False)]
    + [("announcements", {"case": case, "area": "350203", "own_region": True, "opted_out": True,
                          "wider": ["350200", "350000", "all"],
                          "current": [AnnouncementView("A", "notice", area, "湖滨南路施工交通管制" * 2, "", AT, AT)
                                      for area in ("350203", "350200")] if case == "on" else []})
       for case in ("on", "off", "not_on")]
)


def test_every_reply_exists_in_both_languages():
    assert NAMES
    assert sorted(p.stem for p in Path(TEMPLATE_ROOT, "en", "sms").glob("*.j2")) == NAMES


@pytest.mark.parametrize("language", ["zh-CN", "en"])
@pytest.mark.parametrize(("name", "variables"), STATIC, ids=lambda v: str(v)[:40])
def test_static_replies_render_and_fit(language, name, variables):
    replier = Replier(language, SIGNATURE)
    text = replier.text(name, agent_number="+8659212123", **variables)
    assert text and "{" not in text
    assert count(text).segments <= MAX_SEGMENTS
    if language == "en":
        assert is_gsm7(text), text  # plain English stays GSM-7: no signature in 【】, no Chinese
    else:
        assert text.startswith(SIGNATURE)


def test_every_refusal_code_is_rendered_here_or_said_why_not():
    assert set(REFUSALS) == set(RefusalCode) - set(NOT_TEXTED)


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_every_refusal_code_a_text_can_meet_has_its_own_words(language):
    """Not the general words an unknown code gets (sms/refusal.j2's last branch)."""
    general = render_template(language, "sms/refusal", code=UNKNOWN_CODE, facts={}, agent_number="+8612123")
    same = [code for code, facts in REFUSALS.items()
            if render_template(language, "sms/refusal", code=code, facts=facts, agent_number="+8612123") == general]
    assert same == []


def test_every_refusal_code_a_caller_can_meet_has_its_words_in_the_flow():
    flow = loader.load_flow(loader.FLOW_DIR / "main.yaml", actions.declared())
    assert set(flow.texts["refusals"]) == set(RefusalCode) - set(NOT_SPOKEN)


def test_the_signature_only_where_it_does_not_cost_the_encoding():
    assert sign("你好", "zh-CN", SIGNATURE) == "【交管12123】你好"
    assert sign("Hello", "en", SIGNATURE) == "Hello"
    assert sign("Hello", "en", "[12123] ") == "[12123] Hello"
    assert sign("你好", "zh-CN", "") == "你好"


def violations(n: int) -> list[ViolationView]:
    return [
        ViolationView(
            ref=f"R{i}", plate="闽D12345", plate_type="02", occurred_at=AT, location="厦门市思明区湖滨南路",
            code="1625", description="驾驶机动车违反道路交通信号灯通行", fine_fen=20000, points=6, handled=False,
            paid=False, revoked=False, decided_at=None, pay_by=None, late_fee_fen=0, total_due_fen=20000,
        )
        for i in range(1, n + 1)
    ]


def numbers(text: str) -> list[int]:
    body = text.removeprefix(SIGNATURE)
    return [int(m.group(1)) for line in body.splitlines() if (m := re.match(r"(\d+)\.", line))]


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_pages_hold_every_item_once_within_four_segments(language):
    items = violations(30)
    replier = Replier(language, SIGNATURE)
    variables = {"plate": None, "due_fen": 600000, "open_count": 30, "unhandled": 30, "agent_number": "+8612123"}
    seen, page = [], 1
    while True:
        text = replier.page("violations", items, page, **variables)
        assert count(text).segments <= MAX_SEGMENTS
        seen += numbers(text)
        if not re.search(rf"WZ {page + 1}\D", text):
            break
        page += 1
    assert seen == list(range(1, 31))
    assert page > 3
    assert numbers(replier.page("violations", items, page + 1, **variables)) == []


def test_first_fitting_returns_what_it_shows():
    rows = violations(30)
    text, shown = Replier("zh-CN", SIGNATURE).first_fitting(
        "violations", rows, plate=None, due_fen=0, open_count=30, unhandled=30, agent_number="+8612123")
    assert count(text).segments <= MAX_SEGMENTS
    assert 1 <= len(shown) < 30
    assert numbers(text) == list(range(1, len(shown) + 1))


def test_the_page_a_reply_settles_on_is_rendered_once(monkeypatch):
    # Paging tries longer and longer pages; the one that fits is the reply, not rendered again to be sent.
    import hotline.replies as replies

    rendered: list[str] = []
    real_render = replies.render
    monkeypatch.setattr(replies, "render", lambda *args, **kw: rendered.append(args[1]) or real_render(*args, **kw))
    variables = {"plate": None, "due_fen": 0, "open_count": 2, "unhandled": 2, "agent_number": "+8612123"}
    text = Replier("zh-CN", SIGNATURE).page("violations", violations(2), 1, **variables)
    assert numbers(text) == [1, 2]
    assert rendered == ["sms/violations"]  # the two-item page: tried, fitting, sent


def test_a_reply_still_too_long_is_cut_to_four_segments():
    chinese = clip("违" * 400, "zh-CN")
    assert count(chinese).segments == MAX_SEGMENTS and chinese.endswith("…")
    english = clip("word " * 200, "en")
    assert count(english).segments == MAX_SEGMENTS and english.endswith("...") and is_gsm7(english)
    assert clip("WZ", "en") == "WZ"


def test_one_overlong_item_is_still_shown_and_cut_to_fit():
    plan = PlanView(plan_id="P", subject="KM2", classes=("C1",), site_code="S", site_name="很长的考场名称" * 60,
                    date=date(2026, 12, 8), session="AM", capacity=2, applicants=0, booking_closes_at=AT)
    text, shown = Replier("zh-CN", SIGNATURE).first_fitting("plans", [plan, plan], subject="KM2", can_apply=True,
                                                            agent_number="+8612123")
    assert shown == [plan]  # numbered choices are exactly what was shown
    assert count(text).segments == MAX_SEGMENTS and text.endswith("…")
