"""Phone numbers, read one way everywhere: phonenumbers decides what a number is.

Imports, texts, calls, notices and the masking of logs all ask `read` (or `from_twilio` for a number
Twilio sends us); no module keeps its own pattern of what a mainland mobile looks like. Such patterns go
out of date with every new range a carrier opens, and three of them disagreed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from phonenumbers import PhoneNumberType

from .digits import is_ascii_digits

_MOBILE_TYPES = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})
# E.164 allows at most 15 digits after the `+`.
E164_MAX_DIGITS = 15
# phonenumbers refuses longer input as too long to be a phone number.
MAX_INPUT_LENGTH = 250


@dataclass(frozen=True)
class Number:
    """A string read as a phone number."""

    e164: str  # `+8613800138000`
    possible: bool  # of a length the country's plan allows (the hotline's own +8612123 is only this)
    valid: bool  # in a range the country's plan has given out
    mobile: bool  # valid and able to take a text


def read(text: str, region: str = "CN") -> Number | None:
    """`text` as a phone number; one without a country code is read in `region`. None when it is no phone
    number at all (letters, nothing, too long)."""
    if len(text) > MAX_INPUT_LENGTH:
        return None  # and no such string in the cache below
    if region == "CN":
        fast = _cn_mobile_fast(text)
        if fast is not None:
            return Number(fast, True, True, True)
    return _read(text, region)


def from_twilio(value: str) -> Number | None:
    """A `From` or `To` as Twilio writes a telephone number: `+` and up to 15 ASCII digits, nothing else.

    None for what Twilio also puts there when nobody is on a telephone line (`client:alice`, a SIP address,
    `anonymous` for a withheld number) and for anything no telephone could send (5,000 digits, full-width
    digits, spaces). A valid or possible number is then a question for phonenumbers (`valid`, `possible`).
    """
    digits = value[1:]
    if value[:1] != "+" or len(digits) > E164_MAX_DIGITS or not is_ascii_digits(digits):
        return None
    return read(value, "CN")


def is_mobile(text: str | None) -> bool:
    """True for a number that can take a text (mobile, or fixed-or-mobile where a plan cannot tell)."""
    if not text:
        return False
    number = read(text)
    return number is not None and number.mobile


@lru_cache(maxsize=8192)  # the same numbers text and call again and again; a full parse is the slow part
def _read(text: str, region: str) -> Number | None:
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    valid = phonenumbers.is_valid_number(parsed)
    return Number(
        e164=phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164),
        possible=phonenumbers.is_possible_number(parsed),
        valid=valid,
        mobile=valid and phonenumbers.number_type(parsed) in _MOBILE_TYPES,
    )


# --- a fast path for the commonest case ------------------------------------------------------------


def _cn_patterns() -> tuple[re.Pattern, tuple[re.Pattern, ...]]:
    metadata = phonenumbers.PhoneMetadata.metadata_for_region("CN")
    mobile = re.compile(metadata.mobile.national_number_pattern)
    # The kinds phonenumbers tries before mobile; a number matching one of them is not read as mobile.
    earlier = tuple(
        re.compile(desc.national_number_pattern)
        for desc in (metadata.premium_rate, metadata.toll_free, metadata.shared_cost, metadata.voip,
                     metadata.personal_number, metadata.pager, metadata.uan, metadata.voicemail)
        if desc is not None and desc.national_number_pattern
    )
    return mobile, earlier


_CN_MOBILE, _CN_NOT_MOBILE = _cn_patterns()
_CN_SHAPE = re.compile(r"(?:\+86)?(1[0-9]{10})")  # the shape only, ASCII digits: anything else goes the full way
_SEPARATORS = str.maketrans("", "", " -()\u00a0")


def _cn_mobile_fast(text: str) -> str | None:
    """The E.164 form of a plainly written mainland mobile number, or None to ask phonenumbers in full.

    Imports read hundreds of thousands of numbers; this reads phonenumbers' own CN metadata, so it accepts
    exactly the numbers the full parse would call mobile, at a fraction of the cost."""
    match = _CN_SHAPE.fullmatch(text.translate(_SEPARATORS))
    if match is None:
        return None
    national = match.group(1)
    if not _CN_MOBILE.fullmatch(national) or any(p.fullmatch(national) for p in _CN_NOT_MOBILE):
        return None
    return "+86" + national
