"""The pure step over the shipped flow: events in, actions out, no Flask, no Redis, no database."""

from __future__ import annotations

import copy

import pytest

from hotline.ivr import actions, loader
from hotline.ivr.engine import step

CALLER = "+8613800138000"


@pytest.fixture(scope="module")
def flow():
    return loader.load_flow(loader.FLOW_DIR / "main.yaml", actions.declared())


def said(acts) -> str:
    parts = [a["say"] for a in acts if "say" in a]
    for a in acts:
        parts.extend(s["say"] for s in a.get("prompt", []))
    return " ".join(parts)


def gather(acts) -> dict:
    return next(a for a in acts if "gather" in a)


def press(flow, state, digits):
    return step(flow, state, {"type": "input", "digits": digits})


def result(flow, state, outcome, **variables):
    return step(flow, state, {"type": "result", "outcome": outcome, "vars": variables})


PARTY = {"kind": "person", "id": 1, "name_masked": "林*明", "phone": CALLER, "account": "internet",
         "language": "zh-CN", "has_pin": True, "id_last4": "123X"}


def at_main_menu(flow, language="zh-CN"):
    state, acts = step(flow, None, {"type": "start", "caller": CALLER})
    state, acts = press(flow, state, "9" if language == "en" else "1")
    assert acts[-1] == {"run": "identify_caller", "params": {}}
    state, acts = result(flow, state, "one", party=PARTY)
    state, acts = result(flow, state, "pin")
    state, acts = press(flow, state, "246810")
    assert state["vars"]["secret"] == "246810"
    state, acts = result(flow, state, "ok", secret=None, verified=True)
    state, acts = result(flow, state, "full")
    assert state["node"] == "main_menu"
    return state, acts


def test_the_greeting_is_mandarin_and_offers_english_with_an_english_voice(flow):
    state, acts = step(flow, None, {"type": "start", "caller": CALLER})
    assert state["node"] == "greeting"
    g = gather(acts)
    assert g["gather"] == {"timeout": 6, "finish_on_key": "", "num_digits": 1}
    assert g["step"] == 1
    assert [s["language"] for s in g["prompt"]] == ["zh-CN", "en"]
    assert "For English, press 9" in g["prompt"][1]["say"]


def test_nine_switches_the_call_to_english(flow):
    state, acts = at_main_menu(flow, "en")
    assert state["language"] == "en"
    assert "For traffic violations, press 1" in said(acts)


def test_silence_at_the_greeting_goes_on_in_mandarin(flow):
    state, _ = step(flow, None, {"type": "start", "caller": CALLER})
    state, acts = press(flow, state, "")
    assert acts[-1]["run"] == "identify_caller"
    assert state["language"] == "zh-CN"


def test_the_secret_is_kept_only_until_checked(flow):
    state, _ = at_main_menu(flow)
    assert "secret" not in state["vars"]


def test_star_repeats_hash_goes_back_zero_reaches_a_person(flow):
    state, _ = at_main_menu(flow)
    state, acts = press(flow, state, "4")
    assert state["node"] == "exam_menu"
    state, again = press(flow, state, "*")
    assert state["node"] == "exam_menu" and said(again) == said(acts)
    state, acts = press(flow, state, "#")
    assert state["node"] == "main_menu"
    state, acts = press(flow, state, "#")  # the top menu has nowhere further back: it says itself again
    assert state["node"] == "main_menu"
    state, acts = press(flow, state, "0")
    assert acts[-1] == {"run": "office_hours", "params": {}}


def test_wrong_keys_reprompt_then_exit_to_a_person(flow):
    state, _ = at_main_menu(flow)
    for _ in range(2):
        state, acts = press(flow, state, "7")
        assert "您的输入有误" in said(acts) and state["node"] == "main_menu"
    state, acts = press(flow, state, "7")
    assert acts[-1]["run"] == "office_hours"
    assert ["main_menu", "wrong_input_exit", "zh-CN"] in state["trail"]


def test_silence_and_wrong_keys_are_counted_apart(flow):
    state, _ = at_main_menu(flow)
    state, _ = press(flow, state, "7")
    state, _ = press(flow, state, "7")
    state, acts = press(flow, state, "")
    assert "没有听到" in said(acts) and state["node"] == "main_menu"
    state, acts = press(flow, state, "")
    state, acts = press(flow, state, "")
    assert acts[-1]["run"] == "office_hours"
    assert ["main_menu", "no_input_exit", "zh-CN"] in state["trail"]


def test_a_wrong_pin_is_a_wrong_entry_at_the_pin_prompt(flow):
    state, _ = step(flow, None, {"type": "start", "caller": CALLER})
    state, _ = press(flow, state, "1")
    state, _ = result(flow, state, "one", party=PARTY)
    state, _ = result(flow, state, "pin")
    state, _ = press(flow, state, "000000")
    state, acts = result(flow, state, "failed", secret=None)
    assert state["node"] == "ask_pin" and state["counters"]["wrong_input"] == 1
    assert "请重新输入6位服务密码" in said(acts)


def test_digit_entry_star_is_x_and_hash_ends(flow):
    state, _ = step(flow, None, {"type": "start", "caller": CALLER})
    state, _ = press(flow, state, "1")
    state, acts = result(flow, state, "several", parties=[PARTY])
    assert state["node"] == "ask_last4"
    assert gather(acts)["gather"] == {"timeout": 6, "finish_on_key": "#", "num_digits": 4}
    state, acts = press(flow, state, "123*")
    assert state["vars"]["last4"] == "123X"
    assert acts[-1]["run"] == "choose_party"


def test_an_entry_of_the_wrong_length_is_wrong_input(flow):
    state, _ = step(flow, None, {"type": "start", "caller": CALLER})
    state, _ = press(flow, state, "1")
    state, _ = result(flow, state, "none")
    assert state["node"] == "ask_id"
    state, acts = press(flow, state, "1234")
    assert state["node"] == "ask_id" and state["counters"]["wrong_input"] == 1


def test_long_lists_are_read_a_few_at_a_time(flow):
    state, _ = at_main_menu(flow)
    state, acts = press(flow, state, "1")
    items = [{"occurred_at": "2026-11-18T08:15:00+08:00", "plate": "闽D12345", "location": f"路口{i}",
              "description": "闯红灯", "fine_fen": 20050, "points": 6, "handled": False, "paid": False,
              "revoked": False, "total_due_fen": 20050, "code": "1625"} for i in range(5)]
    state, acts = result(flow, state, "some", violations=items, pos=0, page=3, copy="violations")
    text = said(acts)
    assert "共有5条" in text and "路口2" in text and "路口3" not in text
    assert "罚款200元5角" in text and "闽，D，幺，二，三，四，五" in text
    assert "2026年11月18日" in text and "听后面的记录请按1" in text
    state, acts = press(flow, state, "1")
    state, acts = result(flow, state, "more", pos=3)
    assert "路口4" in said(acts) and "听后面的记录请按1" not in said(acts)


def test_a_choice_reads_pages_and_stores_the_chosen_item(flow):
    state, _ = at_main_menu(flow, "en")
    state, _ = press(flow, state, "3")
    vehicles = [{"id": i, "plate": f"闽D1234{i}", "status_zh": ["正常"], "status_en": ["normal"],
                 "inspection_valid_until": "2027-05-31", "inspection_overdue": False, "inspection_exempt": False,
                 "unhandled_count": 0, "unpaid_count": 0} for i in range(6)]
    state, acts = result(flow, state, "several", vehicles=vehicles, copy="vehicle")
    assert state["node"] == "choose_vehicle"
    assert "For plate Min, D, 1, 2, 3, 4, 0, press 1" in said(acts) and "For more vehicles, press 9" in said(acts)
    state, acts = press(flow, state, "9")
    assert "Min, D, 1, 2, 3, 4, 4, press 1" in said(acts)
    state, acts = press(flow, state, "3")  # page 2 has only two
    assert state["counters"]["wrong_input"] == 1
    state, acts = press(flow, state, "2")
    assert state["vars"]["vehicle"]["id"] == 5
    assert "Plate Min, D, 1, 2, 3, 4, 5" in said(acts) and "31 May 2027" in said(acts)


def test_a_refusal_is_explained_in_the_callers_language(flow):
    state, _ = at_main_menu(flow, "en")
    state, _ = press(flow, state, "2")
    state, acts = result(flow, state, "refused", refusal={"code": "register_first", "facts": {}})
    assert "register with the 1 2 1 2 3 app" in said(acts)
    assert state["node"] == "main_menu"


def test_an_unknown_refusal_gets_the_general_words(flow):
    state, _ = at_main_menu(flow)
    state, _ = press(flow, state, "2")
    state, acts = result(flow, state, "refused", refusal={"code": "something_new", "facts": {}})
    assert "该业务暂时无法办理" in said(acts)


def test_an_action_error_goes_to_the_apology_and_a_person(flow):
    state, _ = at_main_menu(flow)
    state, _ = press(flow, state, "2")
    state, acts = result(flow, state, "error")
    assert "系统暂时出现故障" in said(acts)
    assert acts[-1]["run"] == "office_hours"


def test_a_transfer_dials_and_an_unanswered_line_hears_the_hours(flow):
    state, _ = at_main_menu(flow)
    state, _ = press(flow, state, "0")
    state, acts = result(flow, state, "open", hours={"start": "2026-11-24T08:30:00+08:00",
                                                    "end": "2026-11-24T17:30:00+08:00"})
    dial = acts[-1]
    assert dial["dial"] == "agent" and dial["step"] == state["step"]
    state, acts = step(flow, state, {"type": "dial", "status": "busy"})
    assert "上午8点30分至下午5点30分" in said(acts) and "短信" in said(acts)
    assert acts[-1] == {"hangup": True}


def test_an_answered_transfer_ends_the_call_politely(flow):
    state, _ = at_main_menu(flow)
    state, _ = press(flow, state, "0")
    state, _ = result(flow, state, "open", hours={"start": "2026-11-24T08:30:00+08:00",
                                                 "end": "2026-11-24T17:30:00+08:00"})
    state, acts = step(flow, state, {"type": "dial", "status": "completed"})
    assert acts[-1] == {"hangup": True} and "再见" in said(acts)


def test_the_step_cap_ends_a_call_that_goes_on_and_on(flow):
    state, _ = at_main_menu(flow)
    for _ in range(flow.max_steps):
        state, acts = press(flow, state, "*")
    assert acts[-1] == {"hangup": True}
    assert "操作次数过多" in said(acts)


def test_every_gather_carries_the_next_step_number(flow):
    state, acts = step(flow, None, {"type": "start", "caller": CALLER})
    numbers = [gather(acts)["step"]]
    for key in ("1",):
        state, acts = press(flow, state, key)
    state, acts = result(flow, state, "none")
    numbers.append(gather(acts)["step"])
    assert numbers == [1, 2] and state["step"] == 2


def test_speech_can_choose_a_menu_option_where_the_flow_allows_it(flow):
    from dataclasses import replace

    menu = flow.nodes["main_menu"].model_copy(update={
        "speech": True, "hints": {"zh-CN": "违法,驾驶证"}, "words": {"1": {"zh-CN": ["违法"], "en": ["violation"]}}})
    spoken = replace(flow, nodes={**flow.nodes, "main_menu": menu})
    state, acts = at_main_menu(spoken)
    assert gather(acts)["gather"]["speech"] is True
    state, acts = step(spoken, state, {"type": "input", "digits": "", "speech": "查询交通违法"})
    assert acts[-1]["run"] == "load_violations"


def test_a_step_never_changes_the_state_it_was_given(flow):
    """The state handed to a step (read from Redis, or a branch being explored) is the same afterwards,
    whatever the step changed: variables, counters, the menu stack, pages, the trail, the language."""
    vehicles = [{"id": i, "plate": f"闽D1234{i}", "status_zh": ["正常"], "status_en": ["normal"],
                 "inspection_valid_until": "2027-05-31", "inspection_overdue": False, "inspection_exempt": False,
                 "unhandled_count": 0, "unpaid_count": 0} for i in range(6)]
    events = [
        {"type": "input", "digits": "9"},  # English
        {"type": "result", "outcome": "one", "vars": {"party": PARTY}},
        {"type": "result", "outcome": "pin", "vars": {}},
        {"type": "input", "digits": "246810"},
        {"type": "result", "outcome": "ok", "vars": {"secret": None, "verified": True}},
        {"type": "result", "outcome": "full", "vars": {}},
        {"type": "input", "digits": "7"},  # a wrong key
        {"type": "input", "digits": ""},  # silence
        {"type": "input", "digits": "3"},
        {"type": "result", "outcome": "several", "vars": {"vehicles": vehicles, "copy": "vehicle"}},
        {"type": "input", "digits": "9"},  # the next page
        {"type": "input", "digits": "3"},  # not on this page
        {"type": "repeat"},
        {"type": "input", "digits": "2"},  # a car
        {"type": "input", "digits": "#"},
        {"type": "input", "digits": "0"},
        {"type": "result", "outcome": "open", "vars": {"hours": {"start": "2026-11-24T08:30:00+08:00",
                                                                 "end": "2026-11-24T17:30:00+08:00"}}},
        {"type": "dial", "status": "busy"},
    ]
    state, _ = step(flow, None, {"type": "start", "caller": CALLER})
    seen = set()
    for event in events:
        given = copy.deepcopy(state)
        after, _ = step(flow, state, event)
        assert state == given, event
        seen.update(key for key in after if after[key] != given[key])
        state = after
    assert {"language", "vars", "counters", "stack", "pages", "trail", "step"} <= seen
    assert state["vars"]["vehicle"]["id"] == 5 and state["language"] == "en"
