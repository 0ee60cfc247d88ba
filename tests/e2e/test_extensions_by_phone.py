"""Extensions and announcements by phone, through signed webhooks: the choices, the driving-ban warning,
the window-only rule, withdrawing, and the announcements valid for the caller's region."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from hotline.cli.phone import FlaskTransport, PhoneCall
from hotline.db import ChangeKind, ExtensionApplication, OutboundChange
from tests import factories as f
from tests.e2e.voice_world import PIN


def call_as(app, settings, world, *, account="window", english=False, **person) -> tuple[PhoneCall, dict]:
    someone = f.person(pin=PIN, account=account, **person)
    world.store(someone, f.licence(someone))
    call = PhoneCall(FlaskTransport(app.test_client(), settings.public_url, settings.twilio_auth_token),
                     someone["phone"])
    call.start()
    call.press("9" if english else "1")
    call.press(PIN)
    return call, someone


def applications(app) -> list[tuple[str, str, int, str, str]]:
    with app.extensions["hotline"].transaction(read_only=True) as session:
        rows = session.scalars(select(ExtensionApplication).order_by(ExtensionApplication.id))
        return [(r.kind, r.reason, r.years, r.status, r.channel) for r in rows]


def test_apply_for_an_extension_after_hearing_the_driving_ban(app, settings, world):
    call, _ = call_as(app, settings, world)
    assert "延期业务和交管公告请按8" in call.press("*").text
    assert "收听交管公告请按2" in call.press("8").text
    assert "申请延期换证、延期审验或延期提交身体条件证明请按1" in call.press("1").text
    turn = call.press("1")
    assert "延期换证，请按1" in turn.text and "延期审验，请按2" in turn.text and "更多请按9" in turn.text
    assert "延期提交身体条件证明，请按1" in call.press("9").text
    turn = call.press("1")  # the physical certificate, on the second page
    assert "服兵役，请按1" in turn.text and "出国（境），请按2" in turn.text
    turn = call.press("2")
    assert "1年，请按1" in turn.text and "2年，请按2" in turn.text
    turn = call.press("2")
    assert "延期提交身体条件证明" in turn.text and "出国（境）" in turn.text and "2年" in turn.text
    assert "延期期间不得驾驶机动车" in turn.text
    assert applications(app) == []
    assert "延期申请已提交" in call.press("1").text
    assert applications(app) == [("physical", "abroad", 2, "pending", "voice")]


def test_an_internet_user_hears_to_convert_at_a_window(app, settings, world):
    call, _ = call_as(app, settings, world, account="internet")
    call.press("8")
    turn = call.press("1")
    assert "窗口核验用户" in turn.text and "转为" in turn.text
    assert applications(app) == []


def test_withdraw_a_waiting_application_and_hear_the_grant_in_the_licence(app, settings, world):
    call, someone = call_as(app, settings, world, english=True)
    call.press("8")
    call.press("1")
    for key in ("1", "1", "2"):  # apply; renewal; abroad
        call.press(key)
    turn = call.press("1")  # one year
    assert "may not be used to drive" in turn.text
    assert "Your application is in" in call.press("1").text
    for key in ("1", "1", "2", "1"):  # the same kind again
        call.press(key)
    assert "already have an application of this kind" in call.press("1").text
    turn = call.press("2")  # withdraw
    assert "an extension of the licence renewal for 2 years, press 1" not in turn.text
    assert "an extension of the licence renewal for 1 year, press 1" in turn.text
    assert "want to withdraw" in call.press("1").text
    assert "withdrawn" in call.press("1").text
    assert applications(app) == [("renewal", "abroad", 1, "cancelled", "voice")]
    with app.extensions["hotline"].transaction(read_only=True) as session:
        kinds = list(session.scalars(select(OutboundChange.kind).order_by(OutboundChange.id)))
    assert kinds == [ChangeKind.EXTENSION_APPLICATION, ChangeKind.EXTENSION_CANCELLATION]

    for key in ("1", "1", "1", "1"):  # renewal, military service, one year
        call.press(key)
    assert "Your application is in" in call.press("1").text
    world.store(f.licence(someone, status="N", extension_until=date(2028, 11, 24)))
    assert applications(app)[-1] == ("renewal", "military", 1, "granted", "voice")
    call.press("#")
    call.press("#")
    turn = call.press("2")
    assert "renewal extended" in turn.text and "Extended until" in turn.text and "2028" in turn.text


def test_announcements_valid_for_the_callers_region_are_read(app, settings, world):
    call, _ = call_as(app, settings, world, id_number=f.valid_id_number(region="350203"))
    call.press("8")
    turn = call.press("2")
    assert "您所在地区有4条有效的交管公告" in turn.text
    # Newest first (all four were published at the same moment: the last stored is the newest).
    assert world.announcements[-1]["title"] in turn.text and "听后面的公告请按1" in turn.text
    turn = call.press("1")
    assert "第4条" in turn.text and world.announcements[0]["title"] in turn.text

    elsewhere, _ = call_as(app, settings, world, id_number=f.valid_id_number(region="110101"))
    elsewhere.press("8")
    assert "目前没有有效的交管公告" in elsewhere.press("2").text


@pytest.mark.parametrize("english", [False, True])
def test_the_districts_announcements_come_before_newer_national_ones_each_named_by_its_area(app, settings, world,
                                                                                            english):
    national = f.announcement(area="all", title="驾驶证电子化全面推行", published_at="2026-11-24T09:50:00+08:00")
    city = f.announcement(area="350200", title="环岛路周末禁行", published_at="2026-11-24T09:55:00+08:00")
    world.store(national, city)
    call, _ = call_as(app, settings, world, english=english, id_number=f.valid_id_number(region="350203"))
    call.press("8")
    first = call.press("2").text
    # A page of three: the district's four (older) before the city's and the nation's (newer).
    assert national["title"] not in first and city["title"] not in first
    assert ("Number 1, for Siming District, Xiamen" if english else "第1条，厦门市思明区公告") in first
    rest = call.press("1").text
    assert national["title"] in rest and city["title"] in rest
    if english:
        assert "Number 5, for Xiamen" in rest and "Number 6, for the whole country" in rest
    else:
        assert "第5条，厦门市公告" in rest and "第6条，全国公告" in rest
