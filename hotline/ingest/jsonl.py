"""Reading a JSON Lines import file one line at a time, so memory stays flat however long it is."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO, TextIO


@dataclass(frozen=True, slots=True)
class Malformed:
    """A line that is not JSON at all; ingest reports it as an error of field `json`."""

    reason: str


def read_jsonl(stream: BinaryIO | TextIO) -> Iterator[tuple[str, Any, str]]:
    """Yield `("line N", record, line text)` for each non-blank line; a line that does not parse gives a
    `Malformed` in place of the record. The text is kept so a rejected line can be written back unchanged.

    Give a binary stream for files: a line that is not UTF-8 is then one error instead of the end of
    the import, and its bytes survive in the text (as surrogate escapes) to be written back as they were."""
    for number, line in enumerate(stream, 1):
        problem = None
        if isinstance(line, bytes):
            try:
                line = line.decode("utf-8")
            except UnicodeDecodeError as error:
                problem = f"not UTF-8 text (byte {error.start + 1} of the line)"
                line = line.decode("utf-8", "surrogateescape")
        text = line.rstrip("\r\n")
        if number == 1:
            text = text.lstrip("\ufeff")  # a byte-order mark some editors write
        if not text.strip():
            continue
        if problem is not None:
            yield f"line {number}", Malformed(problem), text
            continue
        try:
            record = json.loads(text)
        except json.JSONDecodeError as error:
            yield f"line {number}", Malformed(f"not valid JSON: {error.msg} at column {error.colno}"), text
            continue
        except (ValueError, RecursionError):  # a number of thousands of digits, nesting thousands deep
            yield f"line {number}", Malformed("too deeply nested or too large to be a record"), text
            continue
        yield f"line {number}", record, text
