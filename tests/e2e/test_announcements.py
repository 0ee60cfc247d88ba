"""Announcements end to end: numbers subscribe by SMS (signed webhooks), an announcement is imported, the
real dispatcher and worker send it to the loopback Twilio, and only its area's subscribers get it, once."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from hotline.db import AnnouncementSubscription, Notice
from hotline.notify import sender
from tests.factories import announcement, person, store, valid_id_number, valid_phone
from tests.notify.support import run_worker, sending_runtime
from tests.sms.helpers import read, text


def subscriptions(session) -> dict[str, tuple[str, bool]]:
    rows = read(session, select(AnnouncementSubscription))
    return {row.phone: (row.area, row.active) for row in rows}


def test_an_announcement_reaches_exactly_its_areas_subscribers_once(client, settings, session, clock, loopback):
    siming = [person(id_number=valid_id_number(region="350203")) for _ in range(2)]
    haicang = person(id_number=valid_id_number(region="350205"))
    stopped = person(id_number=valid_id_number(region="350203"))
    never = person(id_number=valid_id_number(region="350203"))  # on record in the area, never subscribed
    store(session, *siming, haicang, stopped, never)

    # Two subscribe to their own region (the ID number's), one names another area, one leaves again.
    assert "已订阅厦门市思明区的交管公告" in text(client, settings, siming[0]["phone"], "GG")
    assert "已订阅厦门市思明区的交管公告" in text(client, settings, siming[1]["phone"], "公告")
    stranger = valid_phone()  # not on record: may still subscribe by naming an area
    assert "已订阅厦门市海沧区" in text(client, settings, stranger, "GG 350205")
    assert "已订阅厦门市海沧区" in text(client, settings, haicang["phone"], "gg")
    text(client, settings, stopped["phone"], "GG")
    assert "已退订" in text(client, settings, stopped["phone"], "GG TD")
    assert subscriptions(session) == {
        siming[0]["phone"]: ("350203", True), siming[1]["phone"]: ("350203", True),
        stranger: ("350205", True), haicang["phone"]: ("350205", True), stopped["phone"]: ("350203", False),
    }

    notice = announcement(area="350203", title="湖滨南路夜间施工")
    store(session, notice, baseline=False)
    store(session, {**notice, "text": notice["text"] + "（更正）"}, baseline=False)  # an update plans nothing new

    rt = sending_runtime(settings, clock, loopback)
    try:
        sender.dispatch(rt)
        run_worker(rt)
        with rt.sessions() as s:
            states = Counter(s.scalars(select(Notice.state).where(Notice.kind == "A01")))
    finally:
        rt.engine.dispose()

    received = Counter(m.to for m in loopback.messages())
    assert received == {siming[0]["phone"]: 1, siming[1]["phone"]: 1}
    for message in loopback.messages():
        assert "湖滨南路夜间施工" in message.body and "GG TD" in message.body
    assert states == {"accepted": 2}


def test_a_province_announcement_reaches_its_cities_and_all_reaches_everyone(client, settings, session, clock,
                                                                            loopback):
    xiamen, fuzhou, beijing = valid_phone(), valid_phone(), valid_phone()
    text(client, settings, xiamen, "GG 350203")
    text(client, settings, fuzhou, "GG 350102")
    text(client, settings, beijing, "GG 110101")
    store(session, announcement(area="350000", announcement_id="FJ-1"), baseline=False)
    store(session, announcement(area="all", announcement_id="ALL-1", kind="publication"), baseline=False)

    rt = sending_runtime(settings, clock, loopback)
    try:
        sender.dispatch(rt)
        run_worker(rt)
    finally:
        rt.engine.dispose()
    received = Counter(m.to for m in loopback.messages())
    assert received == {xiamen: 2, fuzhou: 2, beijing: 1}
    assert sum("公布" in m.body for m in loopback.messages()) == 3


def test_opted_out_numbers_are_skipped_and_english_subscribers_read_english(client, settings, session, clock,
                                                                           loopback):
    quiet, english = valid_phone(), valid_phone()
    text(client, settings, quiet, "GG 350203")
    text(client, settings, quiet, "TD")
    text(client, settings, english, "EN")
    assert "Subscribed" in text(client, settings, english, "GG 350203")
    store(session, announcement(area="350203", announcement_id="GG-EN"), baseline=False)

    rt = sending_runtime(settings, clock, loopback)
    try:
        sender.dispatch(rt)
        run_worker(rt)
        with rt.sessions() as s:
            skipped = s.scalar(select(Notice.skip_reason).where(Notice.phone == quiet))
    finally:
        rt.engine.dispose()
    assert skipped == "opted out"
    [message] = loopback.messages()
    assert message.to == english and "Announcement: " in message.body


def test_a_number_that_unsubscribes_before_the_send_is_skipped(client, settings, session, clock, loopback):
    stays, leaves = valid_phone(), valid_phone()
    text(client, settings, stays, "GG 350203")
    text(client, settings, leaves, "GG 350203")
    store(session, announcement(area="350203", announcement_id="GG-LEAVE"), baseline=False)
    assert "已退订" in text(client, settings, leaves, "公告退订")

    rt = sending_runtime(settings, clock, loopback)
    try:
        sender.dispatch(rt)
        run_worker(rt)
        with rt.sessions() as s:
            reasons = dict(s.execute(select(Notice.phone, Notice.skip_reason).where(Notice.kind == "A01")).all())
    finally:
        rt.engine.dispose()
    assert reasons == {stays: None, leaves: "no longer due: unsubscribed"}
    assert [m.to for m in loopback.messages()] == [stays]


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_gg_lists_the_district_and_city_announcements_first_and_names_the_areas(client, settings, session, language):
    """Four announcements published together, one per level (as the demo has them): the reply's two are the
    district's and the city's, the most local, named as places, never as bare codes."""
    siming = person(id_number=valid_id_number(region="350203"), language=language)
    levels = {area: announcement(area=area, title=title)
              for area, title in (("350203", "湖滨南路夜间施工"), ("350200", "环岛路周末禁行"),
                                  ("350000", "全省严重交通违法曝光"), ("all", "驾驶证电子化全面推行"))}
    store(session, siming, *levels.values())
    reply = text(client, settings, siming["phone"], "GG")
    assert "350203" not in reply and "350200" not in reply
    if language == "zh-CN":
        assert "已订阅厦门市思明区的交管公告" in reply and "厦门市、福建省和全国的公告也会发送" in reply
        assert "湖滨南路夜间施工（厦门市思明区）" in reply and "环岛路周末禁行（厦门市）" in reply
        assert "全省严重交通违法曝光" not in reply and "驾驶证电子化全面推行" not in reply
    else:
        assert "for Siming District, Xiamen" in reply and "Xiamen, Fujian Province and the whole country" in reply
        assert "2 currently valid (Siming District, Xiamen; Xiamen)" in reply
    stopped = {"zh-CN": "已退订厦门市思明区的交管公告",
               "en": "Announcements for Siming District, Xiamen stopped"}[language]
    assert stopped in text(client, settings, siming["phone"], "GG TD")
