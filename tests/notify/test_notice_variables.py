"""Notice variables have types: dates are dates because the kind says so, and text stays text even when it
looks like a date or a time (a tracking number, an announcement's title)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import get_type_hints

import pytest
from pydantic import ValidationError

from hotline.config import Settings
from hotline.notify.catalogue import EXTRA_KINDS, KINDS, NoticeVariables, stored, typed
from hotline.notify.notice_text import render_notice


@pytest.mark.parametrize("code", sorted(KINDS | EXTRA_KINDS))
def test_every_variable_a_kind_names_has_a_type(code):
    types = get_type_hints(NoticeVariables)
    assert set((KINDS | EXTRA_KINDS)[code].variables) <= set(types)


def test_dates_are_stored_as_iso_text_and_read_back_as_dates():
    values = stored("W02", {"plate": "闽D12345", "points": 6, "fine": 20000, "pay_by": date(2026, 12, 9)})
    assert values == {"plate": "闽D12345", "points": 6, "fine": 20000, "pay_by": "2026-12-09"}
    assert typed("W02", values)["pay_by"] == date(2026, 12, 9)
    moment = typed(
        "W01",
        {
            "plate": "闽D12345",
            "occurred_at": "2026-12-31T15:59:00+00:00",
            "location": "湖滨南路",
            "description": "违停",
        },
    )["occurred_at"]
    assert moment == datetime(2026, 12, 31, 15, 59, tzinfo=UTC)


def test_a_title_that_looks_like_a_time_is_sent_as_written():
    # Any ISO-looking text used to become a datetime: this title broke the announcement's render.
    variables = {"kind": "announcement", "title": "2026-12-01T08:00起施行新规", "text": "详见官网公告。"}
    text = render_notice(("A01", variables), "zh-CN", Settings())
    assert "2026-12-01T08:00起施行新规" in text


def test_a_tracking_number_that_looks_like_a_date_is_sent_as_written():
    variables = {"business": "换证业务", "channel": "邮寄", "tracking": "2026-12-01T08:00:00", "office": "车管所"}
    assert "（2026-12-01T08:00:00）" in render_notice(("D22", variables), "zh-CN", Settings())


def test_a_value_of_the_wrong_type_is_refused_when_planned_not_when_sent():
    with pytest.raises(ValidationError, match="due"):
        stored("V01", {"plate": "闽D12345", "due": "next Tuesday"})
    with pytest.raises(ValidationError, match="points"):
        stored("D12", {"points": "many"})
