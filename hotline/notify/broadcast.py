"""Broadcasting an announcement to its area's subscribers: planned in bulk SQL, sent like every notice.

One `INSERT INTO notice ... SELECT ... FROM announcement_subscription ... ON CONFLICT DO NOTHING` plans
the whole broadcast inside the database, a million rows without one Python object each. Each row is an
ordinary notice of kind A01 (catalogue.ANNOUNCEMENT) about the subscription, occasion
`announcement:<announcement_id>`, so from there the usual pipeline takes over: the dispatcher queues them
in batches inside the sending window and under the daily cap, the sender skips opted-out numbers, and
receipts move them to delivered. Planning the same announcement again creates nothing.

A broadcast is planned when ingest first sees an announcement (not on a baseline import, not when it has
already expired); it waits for `published_at` when that lies ahead.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Boolean, Integer, String, func, literal, null, select
from sqlalchemy.orm import Session

from ..db import Announcement, AnnouncementSubscription, NoticeState, PhonePreference, UTCDateTime
from . import store
from .catalogue import ANNOUNCEMENT

KIND = ANNOUNCEMENT.code
SUBJECT_KIND = "subscription"
_COLUMNS = [
    "kind", "subject_kind", "subject_id", "occasion", "recipient_kind", "recipient_id", "phone", "language",
    "variables", "urgent", "state", "skip_reason", "planned_at", "not_before", "finished_at", "attempt_count",
]


def occasion(announcement_id: str) -> str:
    return f"announcement:{announcement_id}"


def variables(row: Announcement) -> dict:
    """What the A01 template takes. Carriers refuse 【】 inside a body (the signature uses them)."""
    def clean(value: str) -> str:
        return value.replace("【", "[").replace("】", "]")

    return {"kind": row.kind, "title": clean(row.title), "text": clean(row.text)}


def plan_for_changes(session: Session, changes: Iterable, *, now: datetime) -> int:
    """Plan the broadcasts of the announcements first seen in `changes`; returns the notices planned."""
    keys = [change.key for change in changes if change.type == "announcement" and change.first_seen]
    planned = 0
    for key in keys:
        planned += plan_broadcast(session, key, now=now)
    return planned


def plan_broadcast(session: Session, announcement_id: str, *, now: datetime) -> int:
    """Plan one announcement for every active subscriber its area covers; returns the rows created."""
    row = session.scalar(select(Announcement).where(Announcement.announcement_id == announcement_id))
    if row is None or row.valid_until <= now:
        return 0
    S = AnnouncementSubscription.__table__
    P = PhonePreference.__table__
    stamp = UTCDateTime()
    picked = select(
        literal(KIND, String),
        literal(SUBJECT_KIND, String),
        S.c.id,
        literal(occasion(row.announcement_id), String),
        null(),
        null(),
        S.c.phone,
        # The language the number chose on the hotline wins over the one it subscribed in.
        func.coalesce(P.c.language, S.c.language),
        store.json_value(variables(row)),
        literal(False, Boolean),
        literal(NoticeState.PLANNED, String),
        null(),
        literal(now, stamp),
        literal(max(now, row.published_at), stamp),
        null(),
        literal(0, Integer),
    ).select_from(S.outerjoin(P, P.c.phone == S.c.phone)).where(S.c.active.is_(True), *_area_filter(S, row.area))
    return store.plan_selected(session, _COLUMNS, picked)


def _area_filter(S, area: str) -> list:
    """Equality on the subscription's area, city or province: each has an index with `active`."""
    if area == "all":
        return []
    if area.endswith("0000"):
        return [S.c.province == area[:2]]
    if area.endswith("00"):
        return [S.c.city == area[:4]]
    return [S.c.area == area]
