"""Writes to the outbound change feed (`GET /api/changes`), in the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from ..db import OutboundChange


def record_change(session: Session, kind: str, payload: dict[str, Any], now: datetime) -> OutboundChange:
    """Append a change. On PostgreSQL the feed is locked for the rest of the transaction so that ids
    become visible in order: a reader that saw id 102 can never later find an id 101 it skipped.
    Writes to the feed are people's own actions, few enough for that to cost nothing that matters."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        session.execute(text("LOCK TABLE outbound_change IN SHARE ROW EXCLUSIVE MODE"))
    change = OutboundChange(kind=kind, payload=payload, created_at=now)
    session.add(change)
    session.flush()
    return change


def changes_after(session: Session, after: int, limit: int) -> list[OutboundChange]:
    """The feed from the cursor `after` (exclusive), oldest first, at most `limit` changes."""
    query = select(OutboundChange).where(OutboundChange.id > after).order_by(OutboundChange.id).limit(limit)
    return list(session.scalars(query))
