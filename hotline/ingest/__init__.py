"""Upstream records in: validation, replace-not-merge upserts, and the changes they make (docs/records.md).

`apply_records` is the one entry point; `flask import` (JSON Lines) and `POST /api/events` (a JSON array)
both go through it.
"""

from .apply import CHUNK_SIZE, apply_records
from .changes import ImportResult, RecordChange, RecordError
from .jsonl import Malformed, read_jsonl
from .schema import TYPES

__all__ = [
    "CHUNK_SIZE",
    "ImportResult",
    "Malformed",
    "RecordChange",
    "RecordError",
    "TYPES",
    "apply_records",
    "read_jsonl",
]
