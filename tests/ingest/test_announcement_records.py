"""The announcement record type: its fields checked like every other type's, stored and updated by key."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from hotline.db import Announcement
from hotline.ingest import apply_records
from hotline.ingest.schema import RecordInvalid, parse
from tests.factories import DEFAULT_NOW, announcement, store

TODAY = date(2026, 11, 24)


def problems(record) -> list[tuple[str, str]]:
    with pytest.raises(RecordInvalid) as caught:
        parse(record, TODAY)
    return caught.value.problems


@pytest.mark.parametrize("area", ["350203", "350000", "all"])
@pytest.mark.parametrize("kind", ["notice", "publication"])
def test_a_valid_announcement(area, kind):
    parsed = parse(announcement(area=area, kind=kind, announcement_id="A-1"), TODAY)
    assert (parsed.type, parsed.key, parsed.values["area"], parsed.values["kind"]) == ("announcement", "A-1", area,
                                                                                          kind)


def test_unknown_field_is_named():
    assert problems(announcement(colour="red")) == [("colour", "unknown field")]


@pytest.mark.parametrize("field", ["announcement_id", "kind", "area", "title", "text", "published_at",
                                   "valid_until"])
def test_every_field_is_required(field):
    assert problems(announcement(**{field: None})) == [(field, "is required")]


@pytest.mark.parametrize("field,value", [
    ("kind", "news"), ("area", "3502"), ("area", "ALL"), ("area", 350203), ("area", "000000"),
    ("title", ""), ("title", "长" * 101), ("text", 5), ("published_at", "2026-11-24"),
    ("valid_until", "tomorrow"),
])
def test_a_wrong_form_is_named(field, value):
    assert [f for f, _ in problems(announcement(**{field: value}))] == [field]


def test_valid_until_must_follow_published_at():
    record = announcement(valid_until=DEFAULT_NOW - timedelta(days=1))
    assert [f for f, _ in problems(record)] == ["valid_until"]


def test_stored_and_replaced_by_key(session):
    record = announcement(title="旧标题")
    store(session, record)
    store(session, {**record, "title": "新标题"})
    [row] = session.scalars(select(Announcement)).all()
    assert (row.announcement_id, row.title) == (record["announcement_id"], "新标题")


def test_a_bad_line_in_a_batch_is_named_and_nothing_written(session):
    result = apply_records(session, [("line 1", announcement()), ("line 2", announcement(area="xx"))],
                           now=DEFAULT_NOW)
    assert [(e.location, e.field) for e in result.errors] == [("line 2", "area")]
    assert session.scalars(select(Announcement)).all() == []


def test_a_line_with_several_errors_also_names_the_cross_field_one():
    record = announcement(kind="news", title="", valid_until=DEFAULT_NOW - timedelta(days=1))
    assert problems(record) == [("kind", problems(announcement(kind="news"))[0][1]),
                                ("title", problems(announcement(title=""))[0][1]),
                                ("valid_until", "is not after published_at")]


def test_a_cross_field_rule_on_a_field_already_wrong_is_not_said_twice():
    record = announcement(kind="news", valid_until="tomorrow")
    assert [field for field, _ in problems(record)] == ["kind", "valid_until"]
