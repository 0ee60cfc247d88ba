"""Subscriptions to announcements: the default area, areas named, one area per number, stopping."""

from __future__ import annotations

import pytest

from hotline.services import announcements
from hotline.services.errors import Refusal
from hotline.services.identity import party_by_id_number
from tests.factories import organisation, person, store, valid_id_number, valid_org_code, valid_phone


def test_a_persons_default_area_is_the_id_numbers_region(rt, session):
    p = person(id_number=valid_id_number(region="350206"))
    store(session, p)
    party = party_by_id_number(session, p["id_number"])
    view = announcements.subscribe(session, rt.clock, p["phone"], area=None, party=party, language="zh-CN")
    assert (view.area, view.active, view.changed) == ("350206", True, True)


def test_an_organisations_default_area_is_its_registration_region(rt, session):
    org = organisation(org_code=valid_org_code(region="350211"))
    store(session, org)
    party = party_by_id_number(session, org["org_code"])
    assert announcements.default_area(session, party) == "350211"


def test_a_named_area_replaces_the_old_one_and_stop_keeps_the_row(rt, session):
    phone = valid_phone()
    announcements.subscribe(session, rt.clock, phone, area="350203", party=None, language="zh-CN")
    again = announcements.subscribe(session, rt.clock, phone, area="350203", party=None, language="zh-CN")
    assert again.changed is False
    moved = announcements.subscribe(session, rt.clock, phone, area="110101", party=None, language="en")
    assert (moved.area, moved.changed) == ("110101", True)
    row = announcements.subscription(session, phone)
    assert (row.area, row.city, row.province, row.language) == ("110101", "1101", "11", "en")
    assert announcements.unsubscribe(session, rt.clock, phone).changed is True
    assert announcements.unsubscribe(session, rt.clock, phone).changed is False
    assert announcements.subscription(session, phone).active is False


@pytest.mark.parametrize("area", ["all", "35020", "000000", "ABCDEF"])
def test_bad_areas_are_refused(rt, session, area):
    with pytest.raises(Refusal) as refused:
        announcements.subscribe(session, rt.clock, valid_phone(), area=area, party=None, language="zh-CN")
    assert refused.value.code == "bad_area"


def test_nobody_on_record_must_name_an_area(rt, session):
    with pytest.raises(Refusal) as refused:
        announcements.subscribe(session, rt.clock, valid_phone(), area=None, party=None, language="zh-CN")
    assert refused.value.code == "no_area"


@pytest.mark.parametrize("announced,subscriber,reaches", [
    ("all", "110101", True), ("350000", "350203", True), ("350000", "360203", False),
    ("350200", "350211", True), ("350200", "350102", False), ("350203", "350203", True),
    ("350203", "350205", False),
])
def test_which_areas_an_announcement_covers(announced, subscriber, reaches):
    assert announcements.covers(announced, subscriber) is reaches
