"""The flow checker: each broken flow is refused with its file and node named."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from hotline.ivr import actions, loader
from hotline.ivr.loader import FlowError, load_flow

MAIN = loader.FLOW_DIR / "main.yaml"


@pytest.fixture
def raw() -> dict:
    return yaml.safe_load(MAIN.read_text(encoding="utf-8"))


def write(tmp_path: Path, raw: dict) -> Path:
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def refused(tmp_path: Path, raw: dict) -> str:
    with pytest.raises(FlowError) as error:
        load_flow(write(tmp_path, raw), actions.declared())
    return str(error.value)


def test_the_shipped_flow_passes_every_check():
    flow = load_flow(MAIN, actions.declared())
    assert flow.start == "greeting"
    assert {node.kind for node in flow.nodes.values()} == set(loader.KINDS)


def test_a_dangling_target_names_file_and_node(tmp_path, raw):
    raw["nodes"]["main_menu"]["options"]["6"] = "nowhere"
    message = refused(tmp_path, raw)
    assert "broken.yaml" in message and "node 'main_menu'" in message and "unknown target 'nowhere'" in message


def test_an_unreachable_node_is_refused(tmp_path, raw):
    raw["nodes"]["island"] = {"kind": "say", "prompt": {"zh-CN": "孤岛", "en": "island"}, "next": "goodbye"}
    assert "node 'island': unreachable" in refused(tmp_path, raw)


def test_a_prompt_missing_in_a_language_is_refused(tmp_path, raw):
    del raw["nodes"]["exam_menu"]["prompt"]["en"]
    assert "node 'exam_menu': prompt missing in en" in refused(tmp_path, raw)


def test_an_action_no_service_provides_is_refused(tmp_path, raw):
    raw["nodes"]["load_licence"]["action"] = "read_minds"
    assert "node 'load_licence': action 'read_minds' is not provided by any service" in refused(tmp_path, raw)


def test_an_action_outcome_without_a_target_is_refused(tmp_path, raw):
    del raw["nodes"]["load_licence"]["outcomes"]["none"]
    assert "node 'load_licence': outcome 'none' of action 'load_licence' has no target" in refused(tmp_path, raw)


def test_a_loop_without_input_is_refused(tmp_path, raw):
    raw["nodes"]["violations_end"]["next"] = "violations_more"
    message = refused(tmp_path, raw)
    assert "loop with no exit" in message and "violations_more" in message


def test_a_loop_that_never_reaches_an_end_is_refused(tmp_path, raw):
    flow = copy.deepcopy(raw)
    flow["nodes"]["circle_a"] = {"kind": "say", "prompt": {"zh-CN": "一", "en": "a"}, "next": "circle_b"}
    # digit entry has no `0` to a person: when its retries also lead back, the caller is stuck for good
    flow["nodes"]["circle_b"] = {
        "kind": "digits", "prompt": {"zh-CN": "二", "en": "b"}, "store": "x", "next": "circle_a",
        "retries": {"exit": "circle_a"},
    }
    flow["nodes"]["main_menu"]["options"]["6"] = "circle_a"
    assert "loop with no exit" in refused(tmp_path, flow)


def test_unknown_fields_and_kinds_are_refused(tmp_path, raw):
    raw["nodes"]["goodbye"]["kind"] = "teleport"
    assert "node 'goodbye': unknown kind 'teleport'" in refused(tmp_path, raw)


def test_a_broken_template_is_refused(tmp_path, raw):
    raw["nodes"]["goodbye"]["prompt"]["en"] = "Bye {{ oops"
    assert "node 'goodbye': prompt (en) is not a valid template" in refused(tmp_path, raw)


def test_yaml_is_read_safely(tmp_path):
    path = tmp_path / "evil.yaml"
    path.write_text("flow: !!python/object/apply:os.system ['true']\n", encoding="utf-8")
    with pytest.raises(FlowError, match="evil.yaml: not valid YAML"):
        load_flow(path)


def test_every_edge_kind_is_listed_for_the_tests():
    flow = load_flow(MAIN, actions.declared())
    kinds = {edge.kind.split(":")[0] for edge in loader.edges(flow)}
    assert {"option", "repeat", "back", "agent", "no_input", "no_input_exit", "wrong_input", "wrong_input_exit",
            "silence", "entered", "choose", "more", "next", "outcome", "answered", "unanswered", "cap"} <= kinds


def test_a_term_split_by_an_unquoted_comma_is_refused(tmp_path, raw):
    raw["texts"]["terms"]["sessions"]["AM"] = {"zh-CN": "上午", "en": "morning", "early": None}
    assert "texts.terms.sessions.AM needs exactly zh-CN and en texts" in refused(tmp_path, raw)


def test_a_guarded_option_with_a_broken_condition_or_unknown_field_is_refused(tmp_path, raw):
    raw["nodes"]["main_menu"]["options"]["2"] = {"goto": "load_licence", "when": "party.kind =="}
    assert "node 'main_menu': option '2': condition is not a valid expression" in refused(tmp_path, raw)
    raw["nodes"]["main_menu"]["options"]["2"] = {"goto": "load_licence", "when": " "}
    assert "node 'main_menu': option '2': the condition is empty" in refused(tmp_path, raw)
    raw["nodes"]["main_menu"]["options"]["2"] = {"goto": "load_licence", "if": "True"}
    assert "node 'main_menu': option '2': a guarded option is {goto: node, when: condition}" in refused(tmp_path, raw)


def test_a_field_the_kind_does_not_take_is_refused_naming_it(tmp_path, raw):
    raw["nodes"]["goodbye"]["items"] = "vehicles"
    assert "node 'goodbye': unknown field(s): items" in refused(tmp_path, raw)


def test_a_missing_or_mistyped_field_is_refused_naming_node_and_field(tmp_path, raw):
    choice = next(name for name, body in raw["nodes"].items() if body["kind"] == "choice")
    broken = copy.deepcopy(raw)
    del broken["nodes"][choice]["label"]
    assert f"node '{choice}': a choice node needs `label`" in refused(tmp_path, broken)
    broken = copy.deepcopy(raw)
    broken["nodes"][choice]["page_size"] = 9
    assert f"node '{choice}': page_size: Input should be less than or equal to 8" in refused(tmp_path, broken)
    digits = next(name for name, body in raw["nodes"].items() if body["kind"] == "digits")
    raw["nodes"][digits]["length"] = [4, 40]
    assert f"node '{digits}': length: length must be 1-30" in refused(tmp_path, raw)


def test_a_flow_text_missing_in_a_language_is_refused(tmp_path, raw):
    del raw["texts"]["failure"]["en"]
    assert "texts.failure missing in en" in refused(tmp_path, raw)
