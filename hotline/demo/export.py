"""The demo as JSON Lines (docs/records.md): the same records `flask demo-data` loads, for `flask import`.

Nothing is validated on the way out (the import does that on the way in); the tests check that a file
written here imports without an error.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import TextIO

from ..calendar import WorkCalendar
from .crowd import CHUNK, CrowdPlan, chunk_records, organisation_records
from .fill import default_workers, fixed_records
from .parallel import ordered_map

ORGANISATIONS = -1


def _lines(plan: CrowdPlan, chunk: int) -> tuple[str, Counter]:
    records = organisation_records(plan) if chunk == ORGANISATIONS else chunk_records(plan, chunk)
    text = "".join(json.dumps(record, ensure_ascii=False) + "\n" for _, record in records)
    return text, Counter(kind for kind, _ in records)


def write_jsonl(out: TextIO, *, people: int, seed: int, now: datetime, calendar: WorkCalendar,
                workers: int | None = None, progress: Callable[[int, int], None] | None = None) -> Counter:
    """Write the timetable, the cast and a crowd of `people`; returns the records written per type."""
    counts: Counter = Counter()
    records, _ = fixed_records(now, calendar, seed)
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        counts[record["type"]] += 1
    plan = CrowdPlan(people=people, seed=seed, now=now)
    jobs = [(plan, chunk) for chunk in (ORGANISATIONS, *range(plan.chunks))]
    workers = default_workers(people) if workers is None else workers
    for index, (text, chunk_counts) in enumerate(ordered_map(_lines, jobs, workers if plan.chunks > 1 else 1)):
        out.write(text)
        counts.update(chunk_counts)
        if progress is not None and index:
            progress(min(index * CHUNK, people), people)
    return counts
