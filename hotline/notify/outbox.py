"""Transactional texts: a one-time code, a copy of an answer the caller asked for by SMS, or the
confirmation of a booking made by phone (the citizen's record of it).

They ride the same rails as notices (a `Notice` row of kind X01 to X04, attempts, receipts, the sweep),
so a code is never lost and never sent twice, but they are urgent, go out at any hour, are not capped by the
per-number daily rule nor stopped by an opt-out from notices (the person asked for them, or for what they
confirm; only the carrier's STOP blocks them), and are still rate-limited by the token bucket.

`send_text` is called inside webhooks: it does one insert and one enqueue, nothing else. If Redis is down
the text stays persisted as `queued` and the sweep enqueues it.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from ..domain.segments import segments
from ..runtime import Runtime
from . import sender, store

PURPOSES = {"code": "X01", "answer": "X02", "booking": "X03", "callback": "X04"}


def send_text(rt: Runtime, *, to: str, body: str, purpose: str) -> int:
    """Persist the text and enqueue it on the urgent queue; returns the notice id.

    `purpose` is "code" (a one-time code, X01), "answer" (a copy of a voice answer, X02), "booking" (the
    confirmation of a booking made by phone, X03) or "callback" (a callback request confirmed, or missed, X04).
    """
    with rt.transaction() as session:
        notice_id = queue_text(session, rt.clock.now(), to=to, body=body, purpose=purpose)
    sender.enqueue_quietly(rt, [notice_id], urgent=True)
    return notice_id


def queue_text(session: Session, now: datetime, *, to: str, body: str, purpose: str) -> int:
    """Persist the text as `queued` in the caller's transaction (so it is written with what it confirms, or
    not at all); the caller enqueues the id after the commit (`sender.enqueue_quietly`)."""
    kind = PURPOSES.get(purpose)
    if kind is None:
        raise ValueError(f"unknown text purpose {purpose!r}; expected one of {sorted(PURPOSES)}")
    digits = re.sub(r"\D", "", to)
    if not digits:
        raise ValueError("a text needs a phone number")
    return store.insert_text(
        session,
        {
            "kind": kind,
            "subject_kind": "phone",
            "subject_id": int(digits[-15:]),
            "occasion": f"text:{purpose}:{uuid.uuid4().hex}",
            "phone": to,
            "language": "zh-CN",
            "variables": {},
            "body": body,
            "segments": segments(body),
            "urgent": True,
            "planned_at": now,
            "not_before": now,
            "queued_at": now,
            "attempt_count": 0,
        },
    )
