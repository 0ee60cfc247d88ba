"""Announcements (公告 / 公布) and the SMS subscriptions to them.

A number subscribes to one area (`GG` / `公告`, optionally with a 6-digit region code) and unsubscribes
with `GG TD`. Without an area the sender's own region is used: the first 6 digits of the ID number (the
region where it was issued) or, for an organisation, characters 3 to 8 of its credit code (the region of
the registering authority). A plate's province and city letters map to regions only loosely (one letter
may cover several districts, and a car may be registered far from where its owner lives), so plates are
not used. An announcement reaches the subscribers whose area lies within its own (see `covers`).

No Flask, no Twilio; the caller owns the transaction.

Refusal codes: `no_area` (the sender is not on record and named no area), `bad_area` (area).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, or_, select
from sqlalchemy.orm import Session

from ..clock import Clock
from ..db import Announcement, AnnouncementSubscription, Organisation, Person
from ..domain.refusals import RefusalCode
from ..validation import InvalidValue, region_or_all
from .errors import Refusal
from .identity import Party

ALL = "all"


@dataclass(frozen=True)
class AnnouncementView:
    announcement_id: str
    kind: str  # notice | publication
    area: str
    title: str
    text: str
    published_at: datetime
    valid_until: datetime


@dataclass(frozen=True)
class SubscriptionView:
    phone: str
    area: str
    active: bool
    changed: bool  # False when the number was already subscribed to this area (or already off)


def area_parts(area: str) -> tuple[str, str]:
    """(province, city) prefixes of a region code: 350203 -> ("35", "3502")."""
    return area[:2], area[:4]


def covers(announcement_area: str, subscriber_area: str) -> bool:
    """Whether an announcement for `announcement_area` reaches a subscriber of `subscriber_area`: `all`
    reaches everyone, a province code (`350000`) its province, a city code (`350200`) its city, a
    district code only that district."""
    if announcement_area == ALL:
        return True
    if announcement_area.endswith("0000"):
        return subscriber_area[:2] == announcement_area[:2]
    if announcement_area.endswith("00"):
        return subscriber_area[:4] == announcement_area[:4]
    return subscriber_area == announcement_area


def default_area(session: Session, party: Party | None) -> str | None:
    """The sender's own region code, from the ID number or the organisation's credit code."""
    if party is None:
        return None
    if party.kind == "person":
        id_number = session.scalar(select(Person.id_number).where(Person.id == party.id))
        area = id_number[:6] if id_number else None
    else:
        code = session.scalar(select(Organisation.org_code).where(Organisation.id == party.id))
        area = code[2:8] if code else None
    if area is None or not area.isdigit():
        return None
    return area


def check_area(area: str) -> str:
    """A 6-digit region code; `all` is for announcements, not for subscribers (they hear `all` anyway)."""
    try:
        checked = region_or_all(area, "area")
    except InvalidValue:
        raise Refusal(RefusalCode.BAD_AREA, area=area) from None
    if checked == ALL:
        raise Refusal(RefusalCode.BAD_AREA, area=area)
    return checked


def subscription(session: Session, phone: str) -> AnnouncementSubscription | None:
    return session.scalar(select(AnnouncementSubscription).where(AnnouncementSubscription.phone == phone))


def subscribe(
    session: Session, clock: Clock, phone: str, *, area: str | None, party: Party | None, language: str,
    source: str = "sms",
) -> SubscriptionView:
    """Subscribe `phone` to `area` (default: the party's region); a new area replaces the old one."""
    area = check_area(area) if area else default_area(session, party)
    if area is None:
        raise Refusal(RefusalCode.NO_AREA)
    now = clock.now()
    province, city = area_parts(area)
    row = subscription(session, phone)
    if row is None:
        row = AnnouncementSubscription(phone=phone, area=area, city=city, province=province, language=language,
                                       active=True, source=source, subscribed_at=now, modified_at=now)
        session.add(row)
        session.flush()
        return SubscriptionView(phone, area, True, True)
    changed = not row.active or row.area != area
    if changed:
        row.area, row.city, row.province = area, city, province
        row.active = True
        row.subscribed_at = now
    row.language = language
    row.source = source
    row.modified_at = now
    session.flush()
    return SubscriptionView(phone, area, True, changed)


def unsubscribe(session: Session, clock: Clock, phone: str) -> SubscriptionView:
    row = subscription(session, phone)
    if row is None or not row.active:
        return SubscriptionView(phone, row.area if row else "", False, False)
    row.active = False
    row.modified_at = clock.now()
    session.flush()
    return SubscriptionView(phone, row.area, False, True)


def levels(area: str | None) -> list[str]:
    """The areas whose announcements reach a subscriber of `area`, the most local first: the district, its
    city, its province, then the whole country (`all`)."""
    if not area:
        return [ALL]
    province, city = area_parts(area)
    return list(dict.fromkeys([area, f"{city}00", f"{province}0000", ALL]))


def current(session: Session, clock: Clock, area: str | None, *, limit: int = 5) -> list[AnnouncementView]:
    """Announcements published and still valid for `area`, the most local first (the district's, the
    city's, the province's, then the national ones), each level newest first: a short list must not be
    filled with national news while the district's road closure waits below it."""
    now = clock.now()
    areas = levels(area)
    locality = case({a: rank for rank, a in enumerate(areas)}, value=Announcement.area)
    rows = session.scalars(
        select(Announcement)
        .where(Announcement.published_at <= now, Announcement.valid_until > now,
               or_(*(Announcement.area == a for a in areas)))
        .order_by(locality, Announcement.published_at.desc(), Announcement.id.desc())
        .limit(limit)
    )
    return [_view(row) for row in rows]


def _view(row: Announcement) -> AnnouncementView:
    return AnnouncementView(row.announcement_id, row.kind, row.area, row.title, row.text, row.published_at,
                            row.valid_until)
