"""Notices caused by record changes: the hook ingest calls after each batch of upserts.

The notices planner fills this in: for each `RecordChange` (old record -> new record) it plans the
change-triggered notices (status gained, points threshold crossed, violation recorded, exam result,
notice request ...) through `hotline.notify.planner.plan_notice`, honouring the first-sight rule and
`baseline` (no change-triggered notices at all). It runs in ingest's transaction and never commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session


def plan_changes(session: Session, changes: Sequence, *, now: datetime, baseline: bool) -> int:
    """Plan the notices `changes` cause; returns how many were planned. The notices planner fills this."""
    return 0
