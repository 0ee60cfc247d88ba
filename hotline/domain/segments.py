"""How many SMS segments a text costs: GSM-7 (160, or 153 per part) or UCS-2 (70, or 67 per part).

A single character outside the GSM 03.38 alphabet (any Chinese character) switches the whole message to
UCS-2. UCS-2 counts UTF-16 code units, so a character outside the Basic Multilingual Plane (an emoji)
takes two. GSM-7's extension table characters (`{ } [ ] ~ \\ | ^ €` and form feed) take two septets, and a
multi-part message never splits an escape pair or a surrogate pair across parts, as handsets and Twilio do.
"""

from __future__ import annotations

from dataclasses import dataclass

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


@dataclass(frozen=True)
class SegmentCount:
    encoding: str  # "GSM-7" | "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int


GSM7 = GSM7_BASIC | GSM7_EXTENSION


def is_gsm7(text: str) -> bool:
    return GSM7.issuperset(text)


def _unit_widths(text: str, gsm: bool) -> list[int]:
    if gsm:
        return [2 if ch in GSM7_EXTENSION else 1 for ch in text]
    return [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def _pack(widths: list[int], per_part: int) -> int:
    """Parts needed when a character (an escape or surrogate pair) may not straddle two parts."""
    parts, used = 1, 0
    for width in widths:
        if used + width > per_part:
            parts += 1
            used = 0
        used += width
    return parts


def count(text: str) -> SegmentCount:
    """The encoding, its length in units and the number of segments for `text` (an empty text is 1)."""
    gsm = is_gsm7(text)
    # Characters taking two units: GSM-7's escapes, or UCS-2's surrogate pairs. Counted without a loop in
    # Python (every notice sent is counted); the character-by-character packing is needed only when a
    # multi-part text has some.
    if gsm:
        doubles = sum(map(text.count, GSM7_EXTENSION))
    else:
        doubles = len(text.encode("utf-16-le", "surrogatepass")) // 2 - len(text)
    units = len(text) + doubles
    single, part = (GSM7_SINGLE, GSM7_PART) if gsm else (UCS2_SINGLE, UCS2_PART)
    if units <= single:
        segments = 1
    elif doubles:
        segments = _pack(_unit_widths(text, gsm), part)
    else:
        segments = -(-units // part)
    return SegmentCount("GSM-7" if gsm else "UCS-2", units, segments)


def segments(text: str) -> int:
    """Shorthand for `count(text).segments`."""
    return count(text).segments
