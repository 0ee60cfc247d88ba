"""Every voice prompt and every SMS reply, rendered with worst-case values (long names and places, many
items) in both languages, read as a citizen would hear or read them (issue: what callers and texters hear).

The nodes come from the flow file and the replies from the keywords, so a new node or template is checked
without touching this file: a choice list with fewer than two items to tell apart, or a template no text
reached, fails and names itself. The checks:
- no two choices in one list sound the same;
- the English voice reads no Chinese, the Mandarin voice no English words (plate letters, digits and SMS
  keywords such as GG aside), and Mandarin says 12123 digit by digit;
- no "1 violations", no "there are 1";
- no date said as 长期 / long-term, no text cut with an ellipsis;
- every SMS reply within 4 segments.
"""

from __future__ import annotations

import dataclasses
import math
import re
import xml.etree.ElementTree as ET
from datetime import date, datetime

import pytest
from sqlalchemy import select

from hotline import replies
from hotline.clock import CHINA
from hotline.db import Notice
from hotline.domain.segments import segments
from hotline.ivr import actions, engine, loader, queue_twiml
from hotline.ivr.twiml import from_actions
from hotline.notify.catalogue import KINDS
from hotline.notify.notice_text import render_notice
from hotline.replies import MAX_SEGMENTS
from hotline.services import exams, identity, inspections, licence_extensions, queries, violation_handling
from hotline.templates import TEMPLATE_ROOT
from hotline.templates import render as render_template
from tests import factories as f
from tests.e2e.test_spoken_wording import choice_labels
from tests.e2e.voice_world import World
from tests.notify.test_templates import combinations as notice_combinations
from tests.sms.helpers import text

LANGUAGES = ("zh-CN", "en")
LONG_PLACES = (
    "厦门市湖里区枋湖北二路与金湖路交叉口往金山方向约一百五十米",
    "厦门市思明区湖滨南路与湖滨中路交叉口（东段）",
    "沈海高速公路K2065+300米福州往厦门方向",
)
LONG_OFFENCES = (
    "驾驶中型以上载客载货汽车、危险物品运输车辆以外的其他机动车行驶超过规定时速10%未达20%的",
    "机动车违反规定停放、临时停车，驾驶人不在现场的",
    "驾驶机动车违反道路交通信号灯通行的",
)
STATIONS = ("厦门市湖里区机动车检测站", "厦门市集美区机动车检测中心", "厦门市同安区机动车检测站")
SITES = ("厦门市车管所集美考场", "厦门市车管所翔安考场")
CJK = re.compile(r"[\u3400-\u9fff]")
ENGLISH_WORD = re.compile(r"[A-Za-z]*[a-z][A-Za-z]*")  # a word with a small letter: not a plate, not GG
# "1 violations", "1 exam bookings", "there are 1", "there is 3" (not "1 violation is", "1 point this cycle")
BAD_PLURAL = re.compile(r"(?<![\d.,])\b1 (?:[a-z]+ )?(?!(?:is|was|has|this|as|carries)\b)[a-z]+s\b|\bare 1\b"
                        r"|\bis (?:[02-9]|\d{2,}) [a-z]+s?\b")
DATE_AS_LONG_TERM = re.compile(r"至长期|until long|until no expiry|[Ll]ong-term\.")


def decided(i: int) -> dict:
    """A served decision: when, its number at full length, and the longest payment reference (30 digits)."""
    return {"decided_at": "2026-10-01T10:00:00+08:00", "decision_number": f"闽公交决字〔2026〕第3502039{i:05d}号",
            "payment_reference": f"{i + 1}" * 30}


def worst_case_world(rt, language: str = "zh-CN") -> tuple[World, dict]:
    """A window-verified learner with a long name, a licence, six cars, violations with long places and
    offences, two exam applications (KM2 and KM3, the most that can wait at once: KM3W follows passing both,
    Order 162 art. 39), three inspection bookings and an extension of every kind; KM1 still to pass, so
    that the plans offered to them (exams.offer: only what they may book) are KM1 plans at the same hour in
    different places, as the inspection times are."""
    world = World(rt)
    someone = f.person(account="window", name="欧阳思远嘉怡", language=language)
    cars = [f.vehicle(someone) for _ in range(6)]
    fines = [f.violation(cars[i % 2], location=LONG_PLACES[i % 3], description=LONG_OFFENCES[i % 3],
                         occurred_at=f"2026-11-{i + 1:02d}T08:15:00+08:00", points=i % 2 * 3,
                         handled=i % 3 == 0, **(decided(i) if i % 3 == 0 else {}))
             for i in range(8)]
    same_hour = [f.inspection_slot(station_code=f"JC{i}", station_name=name, capacity=5)
                 for i, name in enumerate(STATIONS)]
    same_day = [f.exam_plan(subject="KM1", classes=["C1"], date="2026-12-08", capacity=30, site_code=f"XM{i}",
                            site_name=name) for i, name in enumerate(SITES)]
    world.store(someone, f.licence(someone), *cars, *fines, f.learner(someone, passed={}), *same_hour, *same_day)
    party = world.party(someone["phone"])
    with rt.transaction() as session:
        for plan in (world.plans[0], world.plans[1]):
            exams.apply(session, rt.clock, rt.calendar, rt.settings, party, plan["plan_id"], "api")
        for car, slot in zip(cars[3:], world.slots, strict=False):
            vehicle_id = next(v.id for v in queries.vehicles(session, rt.clock, party) if v.plate == car["plate"])
            inspections.book(session, rt.clock, party, vehicle_id, slot["slot_id"], "api")
        for kind in licence_extensions.KINDS:
            licence_extensions.apply(session, rt.clock, party, kind=kind, reason="abroad", years=2, acknowledged=True,
                             channel="sms")
    return world, someone


@pytest.fixture
def settings(settings):
    """The conversation below texts every keyword and its steps, more than the default 30 an hour."""
    return settings.replace(sms_query_limit=40)


@pytest.fixture
def flow():
    return loader.load_flow(loader.FLOW_DIR / "main.yaml", actions.declared())


def call_vars(rt, flow, someone: dict, language: str) -> dict:
    """What a verified caller's state holds after every list was loaded: each read action of the flow
    (load_*, the extension lists, the office hours) run for real, and the first item of each choice list
    chosen (the confirmations read it)."""
    state = engine.new_state(someone["phone"], language)
    with rt.transaction(read_only=True) as session:
        party = identity.identify(session, someone["phone"])[0]
    state["vars"] = {"party": party, "verified": True}
    listers = ("extension_options", "office_hours", "violation_options")
    readers = sorted({node.action for node in flow.nodes.values() if node.kind == "action"
                      and (node.action.startswith("load_") or node.action in listers)})
    for name in readers:
        if name in AFTER_A_CHOICE:
            continue
        outcome, updates = actions.run(rt, name, {}, state)
        assert outcome not in ("none", "refused"), f"the worst-case caller has nothing for {name}: {outcome}"
        state["vars"].update(updates)
    state["vars"]["locked_until"] = datetime.fromisoformat("2026-11-24T10:15:00+08:00")
    state["vars"]["callback_due"] = datetime.fromisoformat("2026-11-25T08:30:00+08:00")  # what request_callback sets
    state["vars"]["new_phone_masked"] = "139****5678"  # what send_number_code sets
    # what request_objection sets (the request written, examined within 5 days: art. 5 ¶3)
    state["vars"]["violation_request"] = violation_handling.RequestView(
        id=12345678, kind="object", status="pending", ref="350203190001234567", plate="闽D12345", channel="voice",
        requested_at=datetime.fromisoformat("2026-11-24T10:15:00+08:00"), months=None, deferred_until=None,
        answer_by=date(2026, 11, 29))
    for node in flow.nodes.values():
        if node.kind == "choice":
            items = state["vars"].get(node.items) or []
            assert len(items) >= 2, f"the worst-case caller has fewer than 2 {node.items} for {node.name}"
            state["vars"][node.store] = items[0]
    for name, (store, suits) in AFTER_A_CHOICE.items():
        # read for the first item it suits (a payment needs a decided fine), then that item stays chosen
        state["vars"][store] = next(item for item in state["vars"][f"{store}s"] if suits(item))
        outcome, updates = actions.run(rt, name, {}, state)
        assert outcome == "ok", f"the worst-case caller has nothing for {name}: {outcome}"
        state["vars"].update(updates)
    return state["vars"]


# Reads that act on the item the caller chose: (what they read from, which items they suit).
AFTER_A_CHOICE = {"load_payment": ("violation", lambda violation: violation.decision_number),
                  "check_handling": ("violation", lambda violation: not violation.handled),
                  "check_objection": ("violation", lambda violation: not violation.handled),
                  "check_deferral": ("violation", lambda violation: not violation.handled)}


REFUSAL_FACTS = {"expires": "2026-12-31", "earliest": "2026-12-31", "window_deadline": "2026-12-31",
                 "starts_at": "2026-12-01T09:00:00+08:00", "account": "internet",
                 "valid_until": "2027-05-31", "opens": "2027-02-28", "plate": "闽D12345", "status": "C",
                 # the violation requests' facts (services/violation_handling.py)
                 "ref": "350203190001234567", "fine_fen": 50000, "limit_fen": 20000, "decided_at":
                 "2026-10-01T10:00:00+08:00", "points": 9, "pending_points": 3, "violation_points": 6, "limit": 12,
                 "request_id": 12345678, "deferred_until": "2027-02-28", "months": 4, "deadline": "2026-12-25",
                 # a contact number change's (services/number_change.py)
                 "new_phone_masked": "139****5678", "retry_at": "2026-11-24T11:00:00+08:00",
                 "locked_until": "2026-11-24T10:15:00+08:00", "attempts_left": 1}


def renderings(flow, variables: dict, language: str):
    """(node, page, variant, values, actions) for every node that speaks, every page of every choice list,
    every refusal where a node explains one, with a long-term licence besides a dated one, and with one
    item in every list (the singular)."""
    variants = {"dated": variables,
                "long-term": {**variables, "licence": dataclasses.replace(variables["licence"], valid_until=None)},
                "one of each": {k: v[:1] if isinstance(v, list) else v for k, v in variables.items()}}
    refusals = [{"code": code, "facts": REFUSAL_FACTS} for code in flow.texts["refusals"]]
    for name, node in flow.nodes.items():
        if node.kind == "action":
            continue
        prompt = " ".join(node.prompt.values()) if node.prompt else ""
        for variant, values in variants.items():
            pages = math.ceil(len(values[node.items]) / node.page_size) if node.kind == "choice" else 1
            for refusal in refusals if "explain(refusal)" in prompt else [None]:
                for page in range(pages):
                    state = engine.new_state("+8613800138000", language)
                    state["vars"] = {**values, **({"refusal": refusal} if refusal else {})}
                    state["node"] = name
                    state["pages"][name] = page
                    _, said = engine.step(flow, state, {"type": "repeat"})
                    yield name, page, variant, values, said


def says(twiml: str) -> list[tuple[str, str]]:
    return [(s.get("voice"), s.text or "") for s in ET.fromstring(twiml).iter("Say")]


def test_every_prompt_with_worst_case_values_reads_right_in_both_languages(app, settings, flow):
    rt = app.extensions["hotline"]
    _, someone = worst_case_world(rt)
    problems: list[str] = []
    for language in LANGUAGES:
        variables = call_vars(rt, flow, someone, language)
        for name, page, variant, values, said in renderings(flow, variables, language):
            twiml = from_actions(said, settings, language)
            spoken = says(twiml)
            where = f"{language} {name} page {page + 1} ({variant})"
            for voice, words_said in spoken:
                if voice == settings.voice_en and CJK.search(words_said):
                    problems.append(f"{where}: Chinese read by the English voice: {words_said!r}")
                if voice == settings.voice_zh:
                    words = ENGLISH_WORD.findall(words_said)
                    if words:
                        problems.append(f"{where}: English words {words} read by the Mandarin voice: {words_said!r}")
                    if "12123" in words_said:
                        problems.append(f"{where}: 12123 read as a number by the Mandarin voice: {words_said!r}")
            heard = " ".join(said for _, said in spoken)
            for pattern, what in ((BAD_PLURAL, "a wrong plural"), (DATE_AS_LONG_TERM, "long-term said as a date")):
                if pattern.search(heard):
                    problems.append(f"{where}: {what}: {pattern.search(heard).group()!r} in {heard!r}")
            if "…" in heard or "..." in heard:
                problems.append(f"{where}: a cut text: {heard!r}")
            if flow.nodes[name].kind == "choice":
                shown = min(flow.nodes[name].page_size,
                            len(values[flow.nodes[name].items]) - page * flow.nodes[name].page_size)
                labels = choice_labels(heard, language == "en")[:shown]  # a menu key (8: by text) may follow
                if len(labels) != shown or len(set(labels)) != len(labels):
                    problems.append(f"{where}: {shown} choices that do not sound different: {labels}")
    assert not problems, "\n".join(dict.fromkeys(problems))


def test_the_queue_and_callback_words_read_right_in_both_languages(settings, flow):
    """What a caller hears in the queue (every place in line and expected wait, from none to over an
    hour), and around a callback; the texts of a callback (confirmed now or later, missed, QX)."""
    problems: list[str] = []
    for language in LANGUAGES:
        answers = {f"wait {position} {expected}": queue_twiml.wait(settings, flow, language, position, expected)
                   for position in (1, 2, 3, 99) for expected in (None, 30, 60, 61, 4500)}
        answers["callback"] = queue_twiml.left_for_callback(settings, flow, language, "queue_callback")
        answers["callback open"] = queue_twiml.left_for_callback(settings, flow, language, "queue_callback_open",
                                                                 callback_due="2026-11-25T08:30:00+08:00")
        answers["no number"] = queue_twiml.say_then_wait(settings, flow, language, "queue_no_number")
        answers["connecting"] = queue_twiml.connecting(settings, flow, language)
        answers["called back"] = queue_twiml.callback_connect(settings, flow, language, "+8659212123",
                                                                "/voice/callbacks/dialled?id=1")
        for name, twiml in answers.items():
            spoken = says(twiml)
            assert spoken, f"{language} {name}: says nothing"
            for voice, words_said in spoken:
                if voice == settings.voice_en and CJK.search(words_said):
                    problems.append(f"{language} {name}: Chinese read by the English voice: {words_said!r}")
                if voice == settings.voice_zh and (ENGLISH_WORD.findall(words_said) or "12123" in words_said):
                    problems.append(f"{language} {name}: English or 12123 read by the Mandarin voice: {words_said!r}")
            heard = " ".join(said for _, said in spoken)
            if BAD_PLURAL.search(heard):
                problems.append(f"{language} {name}: a wrong plural: {heard!r}")
        due = datetime(2026, 11, 25, 8, 30, tzinfo=CHINA)
        texts = [render_template(language, "texts/callback", case="requested", due_at=due, now=now)
                 for now in (True, False)]
        texts.append(render_template(language, "texts/callback", case="missed"))
        texts += [replies.Replier(language, settings.sms_signature).text("callback", case=case, agent_number="12123")
                  for case in ("cancelled", "calling")]
        for body in texts:
            problems += reply_problems(f"{language} callback text", settings.sms_signature + body)
    assert not problems, "\n".join(problems)


def reply_problems(where: str, reply: str) -> list[str]:
    problems = []
    if segments(reply) > MAX_SEGMENTS:
        problems.append(f"{where}: {segments(reply)} segments: {reply!r}")
    for pattern, what in ((BAD_PLURAL, "a wrong plural"), (DATE_AS_LONG_TERM, "long-term said as a date")):
        if pattern.search(reply):
            problems.append(f"{where}: {what}: {pattern.search(reply).group()!r} in {reply!r}")
    if "…" in reply or "..." in reply:
        problems.append(f"{where}: a cut text: {reply!r}")
    return problems


# Templates no worst-case conversation reaches, and where they are checked instead.
NOT_REACHED = {
    "failure": "said when answering fails (tests/e2e/test_sms_guards.py)",
    "limited": "the rate limit's warning (tests/sms/test_ratelimit.py)",
    "who": "a number that is on no record or shared (tests/e2e/test_sms_keywords.py)",
    "callback": "QX from a number whose only open request is a callback (tests/e2e/test_voice_queue.py, and "
                "test_the_queue_and_callback_words_read_right_in_both_languages below)",
}


def conversation(plate: str, other_plate: str, english: bool) -> list[str]:
    """Every keyword, its pages and its numbered steps, as a texter would send them (under the hourly limit)."""
    return [
        "HELP" if english else "帮助", "XYZ", "WZ", "WZ 2", "WZ 99", f"WZ {plate}", f"WZ {other_plate}", "JSZ", "CL",
        "CL 2", "JY", "JY 1", f"JY {plate} 1", "N", "KS", "YY", "YY KM1", "YY KM1 1", "Y", "QX", "QX 1", "Y", "YQ",
        "YQ 1", "YQ 1 1", "YQ 1 1 2", "GG", "Y", "JK", "GH", "GH 13987654321", "GH 000000",
        "EN" if english else "中文", "TD",
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_sms_reply_and_text_copy_with_worst_case_values_keeps_to_4_segments(app, client, settings, flow,
                                                                                  monkeypatch, language):
    rt = app.extensions["hotline"]
    world, someone = worst_case_world(rt, language)
    rendered: set[str] = set()
    real_render = replies.render

    def recording(lang, name, /, **variables):
        rendered.add(name)
        return real_render(lang, name, **variables)

    monkeypatch.setattr(replies, "render", recording)
    plates = [v.plate for v in queries_vehicles(rt, someone)]
    state = {"language": language, "caller": someone["phone"], "vars": call_vars(rt, flow, someone, language)}
    problems: list[str] = []
    for body in conversation(plates[0], "闽A99999", language == "en"):
        reply = text(client, settings, someone["phone"], body)
        problems += reply_problems(f"{language} {body!r}", reply or "")

    # The copies by text of every voice answer that offers one, from the flow (what the call held before
    # the texts above cancelled and applied).
    copies = sorted({node.params["copy"] for node in flow.nodes.values()
                     if node.kind == "action" and node.action == "send_copy"})
    for name in copies:
        actions.run(rt, "send_copy", {"copy": name}, state)
    with rt.transaction(read_only=True) as session:
        bodies = session.scalars(select(Notice.body).where(Notice.kind == "X02", Notice.phone == someone["phone"]))
        for name, body in zip(copies, bodies, strict=True):
            problems += reply_problems(f"{language} copy of {name}", body)

    templates = {p.stem for p in (TEMPLATE_ROOT / language / "sms").glob("*.j2")}
    missed = templates - {name.removeprefix("sms/") for name in rendered} - set(NOT_REACHED)
    assert not missed, f"templates no text reached: {sorted(missed)}; add a text to the conversation"
    assert {f"texts/{name}" for name in copies} <= rendered
    assert not problems, "\n".join(problems)


def queries_vehicles(rt, someone: dict):
    with rt.transaction(read_only=True) as session:
        party = identity.identify(session, someone["phone"])[0]
        return queries.vehicles(session, rt.clock, party)


def test_every_notice_with_counts_of_0_and_1_says_them_properly_and_keeps_to_4_segments(settings):
    """Every notice template (the catalogue's kinds, both languages) with the worst cases of
    tests/notify/test_templates.py and, for every count, 0 and 1: the singular is said as one, no points as
    不记分 / no points."""
    problems: list[str] = []
    for code in sorted(KINDS):
        for values in notice_combinations(code):
            for language in LANGUAGES:
                for variables in (values, *({name: n if name in ONE_COUNTS else value
                                             for name, value in values.items()} for n in counts(code))):
                    notice = render_notice((code, variables), language, settings)
                    problems += reply_problems(f"{language} {code} {variables}", notice)
                    if "记0分" in notice or re.search(r"\b0 points", notice):  # a violation's: 不记分 / no points
                        problems.append(f"{language} {code} {variables}: no points said as a number: {notice!r}")
    assert not problems, "\n".join(dict.fromkeys(problems))


# The notice variables that count things (a number of violations, points): each is tried as 1 too, and as
# 0 where the kind can carry none.
ONE_COUNTS = {"count", "points", "carried", "score"}
CAN_BE_ZERO = {"W02"}  # a decided violation may carry no points (parking); D11/D12 only warn of many


def counts(code: str) -> tuple[int, ...]:
    return (0, 1) if code in CAN_BE_ZERO else (1,)
