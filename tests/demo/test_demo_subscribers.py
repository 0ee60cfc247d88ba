"""The demo's announcements, subscribers and pending extension, and a broadcast sent to its subscribers."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from hotline.db import Notice
from hotline.demo import cast
from hotline.services import announcements, identity, licence_extensions
from tests.factories import DEFAULT_NOW, announcement, store


def test_the_demo_has_announcements_subscribers_and_a_waiting_extension(app, rt, session):
    result = app.test_cli_runner().invoke(args=["demo-data", "--people", "50", "--date", "2026-11-24"])
    assert result.exit_code == 0, result.output
    assert "4 announcement" in result.output
    heard = announcements.current(session, rt.clock, "350203", limit=9)
    assert {a.area for a in heard} == {"350203", "350200", "350000", "all"}
    assert announcements.subscription(session, cast.LIN_PHONE).area == "350203"
    assert announcements.subscription(session, cast.ENGLISH_PHONE).area == "350200"
    father = next(p for p in identity.identify(session, cast.FAMILY_PHONE) if p.account == "window")
    assert [(v.kind, v.status) for v in licence_extensions.applications(session, father)] == [("renewal", "pending")]

    # A city announcement imported later reaches both subscribers.
    store(session, announcement(area="350200", published_at=DEFAULT_NOW - timedelta(minutes=5)), baseline=False)
    phones = set(session.scalars(select(Notice.phone).where(Notice.kind == "A01")))
    assert phones == {cast.LIN_PHONE, cast.ENGLISH_PHONE}
