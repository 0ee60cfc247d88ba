"""The catalogue of docs/notices.md as data: 37 kinds, their triggers, urgency and recipients."""

from __future__ import annotations

import re

from hotline.ingest.schema import REQUEST_VARIABLES
from hotline.notify.catalogue import CATEGORIES, KINDS, OPTIONAL_REQUEST_FIELDS, RECIPIENTS, REQUEST_KINDS, TRIGGERS

# From the catalogue tables of docs/notices.md.
URGENT = {"V09", "V10", "D04", "D12", "D13", "D15", "D18", "D19"}
TRIGGER = {
    "date": {"V01", "V02", "V03", "V04", "V05", "V06", "D01", "D02", "D03", "D05", "D06", "D07", "D08", "D09",
             "D10", "D14", "D16", "D17", "D21", "W05"},
    "change": {"V10", "D04", "D11", "D12", "D13", "D15", "D18", "W01", "W02", "W03", "W04"},
    "request": {"V07", "V08", "V09", "D22"},
    "allocation": {"D19"},
    "result": {"D20"},
}


def test_thirty_seven_kinds_ten_vehicle_twenty_two_licence_five_violation():
    assert len(KINDS) == 37
    counts = {category: sum(k.category == category for k in KINDS.values()) for category in CATEGORIES}
    assert counts == {"vehicle": 10, "licence": 22, "violation": 5}
    for code, kind in KINDS.items():
        assert re.fullmatch(r"[VDW]\d\d", code) and kind.code == code
        assert kind.category == {"V": "vehicle", "D": "licence", "W": "violation"}[code[0]]
        assert kind.name_zh
        assert kind.template == f"notices/{code}"


def test_triggers_and_urgency_follow_the_contract():
    assert {code for code, kind in KINDS.items() if kind.urgent} == URGENT
    for trigger, codes in TRIGGER.items():
        assert trigger in TRIGGERS
        assert {code for code, kind in KINDS.items() if kind.trigger == trigger} == codes


def test_recipients():
    assert {kind.recipient for kind in KINDS.values()} <= set(RECIPIENTS)
    assert KINDS["W02"].recipient == "driver"
    assert {code for code, k in KINDS.items() if k.recipient == "learner"} == {"D19", "D20", "D21"}
    for code, kind in KINDS.items():
        if code[0] in "VW" and code != "W02":
            assert kind.recipient == "owner", code
        if code[0] == "D" and kind.recipient != "learner":
            assert kind.recipient == "holder", code


def test_request_kinds_take_exactly_the_data_ingest_accepts():
    assert set(REQUEST_VARIABLES) == REQUEST_KINDS
    for code, (required, optional) in REQUEST_VARIABLES.items():
        assert set(KINDS[code].variables) == required | optional
        assert optional <= OPTIONAL_REQUEST_FIELDS


def test_variables_are_unique_names():
    for kind in KINDS.values():
        assert len(set(kind.variables)) == len(kind.variables), kind.code
        assert all(re.fullmatch(r"[a-z_]+", name) for name in kind.variables), kind.code
