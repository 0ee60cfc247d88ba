"""P01: the contact number changed (道路交通安全违法行为处理程序规定 art. 20 ¶2; services/number_change.py).

Called by ingest after `services.number_change.settle_from_changes`, in its transaction. A confirmed change
is told to the old number and to the new one, each once (occasions `number-change:<id>:old` and `:new`):
the old number learns of a change it may not have made, the new one that notices now come there.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from ..domain.request_states import NumberChangeStatus
from ..masking import mask_phone
from .planner import Planned, plan_many


def plan(session: Session, answered: Iterable, *, now: datetime) -> int:
    notices: list[Planned] = []
    for answer in answered:
        if answer.status != NumberChangeStatus.CONFIRMED:
            continue
        variables = {"old_phone": mask_phone(answer.old_phone), "new_phone": mask_phone(answer.new_phone)}
        for end, phone in (("old", answer.old_phone), ("new", answer.new_phone)):
            notices.append(
                Planned(
                    "P01",
                    "person",
                    answer.person_id,
                    f"number-change:{answer.change_id}:{end}",
                    "person",
                    answer.person_id,
                    variables,
                    phone=phone,
                )
            )
    return plan_many(session, notices, now=now) if notices else 0
