"""The call state has types: what an action put in a call variable (a plan, a slot, the caller) comes back
from Redis as the same view, dates as dates, because CallVars says what each variable holds."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from hotline.ivr import engine, state
from hotline.ivr.protocol import StateUnreadable
from hotline.services.exams import PlanView
from hotline.services.identity import Party
from hotline.services.inspections import SlotView

SID = "CA" + "2" * 32
PARTY = Party(
    kind="person",
    id=7,
    name_masked="林*明",
    phone="+8613800138000",
    account="internet",
    language="zh-CN",
    has_pin=False,
    id_last4="123X",
)
PLAN = PlanView(
    plan_id="2026-12-01",
    subject="KM2",
    classes=("C1", "C2"),
    site_code="S01",
    site_name="集美考场",
    date=date(2026, 12, 1),
    session="AM",
    capacity=40,
    applicants=3,
    booking_closes_at=datetime(2026, 11, 28, 9, 0, tzinfo=UTC),
)
SLOT = SlotView(
    slot_id="SL1",
    station_code="ST1",
    station_name="湖里检测站",
    starts_at=datetime(2026, 12, 2, 1, 0, tzinfo=UTC),
    ends_at=datetime(2026, 12, 2, 2, 0, tzinfo=UTC),
    capacity=10,
    booked=4,
)


def test_views_come_back_from_redis_as_views_with_dates(redis_conn):
    saved = engine.new_state(PARTY.phone)
    saved["vars"] = {
        "party": PARTY,
        "verified": True,
        "plans": [PLAN],
        "plan": PLAN,
        "slot": SLOT,
        "locked_until": None,
    }
    state.save(redis_conn, SID, 1, saved, "<Response/>", 60, prefix="hotline")
    loaded = state.load(redis_conn, SID, prefix="hotline")
    assert loaded["vars"]["party"] == PARTY
    assert loaded["vars"]["plans"] == [PLAN] and loaded["vars"]["plan"].date == date(2026, 12, 1)
    assert loaded["vars"]["slot"].starts_at == SLOT.starts_at
    # An id that looks like a date is an id: the type says text, so it stays text.
    assert loaded["vars"]["plan"].plan_id == "2026-12-01"


def test_a_state_saved_before_the_types_is_read_during_a_deploy(redis_conn):
    # The JSON the previous release wrote for a call in progress: views as plain objects, dates as text.
    old = {
        **engine.new_state(PARTY.phone),
        "node": "main_menu",
        "step": 3,
        "vars": {
            "party": {
                "kind": "person",
                "id": 7,
                "name_masked": "林*明",
                "phone": "+8613800138000",
                "account": "internet",
                "language": "zh-CN",
                "has_pin": False,
                "id_last4": "123X",
            },
            "verified": True,
            "hours": {"start": "2026-11-24T09:00:00+08:00", "end": "2026-11-24T17:00:00+08:00"},
        },
    }
    redis_conn.set(f"hotline:ivr:call:{SID}:state", json.dumps(old, ensure_ascii=False))
    loaded = state.load(redis_conn, SID, prefix="hotline")
    assert loaded["node"] == "main_menu" and loaded["vars"]["party"] == PARTY
    assert loaded["vars"]["hours"]["start"].hour == 9


def test_a_state_that_no_longer_fits_is_refused_naming_where_but_not_the_values(redis_conn):
    # (The webhook answers it like any fault, with an apology: tests/e2e/test_voice_faults.py.)
    broken = {**engine.new_state(PARTY.phone), "vars": {"party": {"kind": "person", "phone": "+8613800138000"}}}
    redis_conn.set(f"hotline:ivr:call:{SID}:state", json.dumps(broken))
    with pytest.raises(StateUnreadable) as refused:
        state.load(redis_conn, SID, prefix="hotline")
    assert "vars.party" in str(refused.value) and "13800138000" not in str(refused.value)
    with pytest.raises(StateUnreadable):
        state.begin(redis_conn, SID, 4, prefix="hotline")


def test_every_variable_the_flow_stores_or_lists_has_a_type():
    from typing import get_type_hints

    from hotline.ivr import actions, loader
    from hotline.ivr.protocol import CallVars

    flow = loader.load_flow(loader.FLOW_DIR / "main.yaml", actions.declared())
    named = {name for node in flow.nodes.values()
             for name in (getattr(node, "store", None), getattr(node, "items", None)) if name}
    assert named <= set(get_type_hints(CallVars)), sorted(named - set(get_type_hints(CallVars)))
