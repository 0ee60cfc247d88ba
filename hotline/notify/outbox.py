"""Transactional texts: a one-time code, or a copy of an answer the caller asked for by SMS.

They ride the same rails as notices (a `Notice` row of kind X01 or X02, attempts, receipts, the sweep), so
a code is never lost and never sent twice, but they are urgent, go out at any hour, are not capped by the
per-number daily rule (the person asked for them), and are still rate-limited by the token bucket.

`send_text` is called inside webhooks: it does one insert and one enqueue, nothing else. If Redis is down
the text stays persisted as `queued` and the sweep enqueues it.
"""

from __future__ import annotations

import re
import uuid

from ..db import Notice, NoticeState
from ..runtime import Runtime
from . import sender
from .segments import segments

PURPOSES = {"code": "X01", "answer": "X02"}


def send_text(rt: Runtime, *, to: str, body: str, purpose: str) -> int:
    """Persist the text and enqueue it on the urgent queue; returns the notice id.

    `purpose` is "code" (a one-time code, X01) or "answer" (a copy of a voice answer, X02).
    """
    kind = PURPOSES.get(purpose)
    if kind is None:
        raise ValueError(f"unknown text purpose {purpose!r}; expected one of {sorted(PURPOSES)}")
    digits = re.sub(r"\D", "", to)
    if not digits:
        raise ValueError("a text needs a phone number")
    now = rt.clock.now()
    with rt.transaction() as session:
        notice = Notice(
            kind=kind,
            subject_kind="phone",
            subject_id=int(digits[-15:]),
            occasion=f"text:{purpose}:{uuid.uuid4().hex}",
            phone=to,
            language="zh-CN",
            variables={},
            body=body,
            segments=segments(body),
            urgent=True,
            state=NoticeState.QUEUED,
            planned_at=now,
            not_before=now,
            queued_at=now,
            attempt_count=0,
        )
        session.add(notice)
        session.flush()
        notice_id = notice.id
    sender.enqueue_quietly(rt, [notice_id], urgent=True)
    return notice_id
