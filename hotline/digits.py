"""Numbers typed, spoken or sent to us, read as ASCII digits only.

`"²".isdigit()` is true and `int("²")` raises; `int("٣")` and `int("３")` quietly give 3. A step number,
a cursor, a DTMF key or a digit heard in speech is one of 0-9 or it is not a number at all: every numeric
input from outside goes through `whole_number` (or `ascii_digits`), never through `str.isdigit` and `int`.
"""

from __future__ import annotations

ASCII_DIGITS = frozenset("0123456789")


def is_ascii_digits(text: str) -> bool:
    """True for a non-empty run of 0-9 and nothing else."""
    return bool(text) and all(ch in ASCII_DIGITS for ch in text)


def whole_number(text: str | None, *, max_digits: int = 18) -> int | None:
    """The value of `text` if it is 1 to `max_digits` ASCII digits, else None (never an exception).

    18 digits always fit a signed 64-bit column, so a number read here can go straight into a query.
    """
    if text is None or len(text) > max_digits or not is_ascii_digits(text):
        return None
    return int(text)


def ascii_digits(text: str) -> str:
    """Only the ASCII digits of `text`, in order (`"第2辆"` -> `"2"`, `"第²辆"` -> `""`)."""
    return "".join(ch for ch in text if ch in ASCII_DIGITS)
