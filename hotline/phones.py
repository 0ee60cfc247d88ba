"""Phone numbers, read by phonenumbers: what a number is, and whether Twilio sent us one."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from phonenumbers import PhoneNumberType

from .digits import is_ascii_digits

_MOBILE_TYPES = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})
# E.164 allows at most 15 digits after the `+`.
E164_MAX_DIGITS = 15


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
