"""What an import produces: the changes for the notice planner, the errors, and the counts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class RecordChange:
    """One upsert: the stored record before (`None` on first sight) and after.

    `key` is the record's contract key: a string (id_number, org_code, ref, plan_id, slot_id, request_id)
    or a tuple for the two composite keys, vehicle `(plate, plate_type)` and exam_result
    `(id_number, plan_id)`.

    `old` and `new` hold the stored row's columns by name (dates as `date`, timestamps as aware UTC
    `datetime`, money in fen, the row's integer `id` and foreign keys such as `person_id`), without the
    bookkeeping timestamps and without the PIN hash (`has_pin` says whether one is set). They also carry
    the references in their contract form: `id_number` for licence, learner and exam_result; `owner` and
    `owner_kind` ("person" / "organisation") for a vehicle; `plate` and `plate_type` for a violation;
    `plan_key` (the contract's plan_id) for an exam_result.
    """

    type: str
    key: str | tuple[str, str]
    old: dict[str, Any] | None
    new: dict[str, Any]
    first_seen: bool


_NUMBER = re.compile(r"(\d+)$")


@dataclass(frozen=True, slots=True)
class RecordError:
    """A refused record: where it was ("line 12", "index 3"), which field, and why."""

    location: str
    field: str
    reason: str

    @property
    def number(self) -> int | None:
        """The line number or array index in `location`."""
        match = _NUMBER.search(self.location)
        return int(match.group(1)) if match else None

    def __str__(self) -> str:
        return f"{self.location}: {self.field}: {self.reason}"


@dataclass
class ImportResult:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    stale: int = 0
    rejected: int = 0  # records refused (each has one or more errors)
    planned: int = 0  # notices the change planner planned
    errors: list[RecordError] = field(default_factory=list)
    changes: list[RecordChange] = field(default_factory=list)
    # False when all-or-nothing found errors and rolled everything back.
    written: bool = True

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def total(self) -> int:
        return self.inserted + self.updated + self.unchanged + self.stale + self.rejected

    def counts(self) -> dict[str, int]:
        return {
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "stale": self.stale,
            "rejected": self.rejected,
            "planned": self.planned,
        }
