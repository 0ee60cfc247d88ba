"""Validation of the values in upstream records: pure functions, no I/O.

Each function takes the raw value and returns it normalised (upper-case ID numbers, E.164 phone numbers,
plates without the display dot, dates as `date`, timestamps as aware UTC `datetime`), or raises
`InvalidValue(field, reason)` whose message a person can read. `field` defaults to the name the dataset
contract uses, and callers pass their own where one value form serves several fields.

The check-character generators (`id_check_char`, `usc_check_char`, `vin_check_digit`) are here too, for
factories and demo data that must produce valid numbers.
"""

from __future__ import annotations

import operator
import re
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from . import phones
from .domain.licences import LICENCE_CLASSES, SUBJECTS
from .domain.vehicles import NEW_ENERGY_PLATE_TYPES, PLATE_PROVINCES, PLATE_SEPARATORS, PLATE_TYPES
from .masking import mask_phone


class InvalidValue(ValueError):
    """A value of the wrong form. `field` names the field, `reason` says what is wrong, in plain words."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _string(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise InvalidValue(field, f"must be a string, not {_shown(value)}")
    return value


# --- resident ID number (GB 11643-1999) ------------------------------------------------------------

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
# First two digits: the province-level region (GB/T 2260), plus 71 Taiwan, 81 Hong Kong, 82 Macao and
# 83 for residence permits of Taiwan residents.
ID_PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 "
    "71 81 82 83".split()
)
# [0-9], not \d: \d also matches full-width and other scripts' digits, which no caller can type back.
_ID_FORM = re.compile(r"[0-9]{17}[0-9X]")


def id_check_char(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits of a resident ID."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("id_check_char needs exactly 17 digits")
    total = sum(map(operator.mul, map(int, first17), ID_WEIGHTS))
    return ID_CHECK_CHARS[total % 11]


@lru_cache(maxsize=65536)
def _id_problem(text: str) -> tuple[str | None, date | None]:
    """What is wrong with an upper-case ID number (None if nothing), and its birth date. Cached: an
    import meets the same person's number on the person, licence, vehicle and learner records."""
    if len(text) != 18:
        return f"a resident ID number has 18 characters, this has {len(text)}", None
    if not _ID_FORM.fullmatch(text):
        return "a resident ID number is 17 digits followed by a digit or X", None
    if text[:2] not in ID_PROVINCES:
        return f"{text[:2]} is not a region code (the first two digits)", None
    try:
        born = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return f"{text[6:14]} is not a valid birth date (digits 7 to 14)", None
    if born.year < 1900:
        return f"{born.isoformat()} is not a plausible birth date", None
    expected = id_check_char(text[:17])
    if text[17] != expected:
        return f"check character is {text[17]}, the first 17 digits give {expected}", None
    return None, born


def id_number(value: Any, field: str = "id_number", *, today: date | None = None) -> str:
    """An 18-character resident ID number with a valid check character; returned upper-case.

    `today`, when given, also refuses a birth date after it."""
    text_value = _string(value, field).strip().upper()
    problem, born = _id_problem(text_value)
    if problem is not None:
        raise InvalidValue(field, problem)
    if today is not None and born > today:
        raise InvalidValue(field, f"{born.isoformat()} is not a plausible birth date")
    return text_value


def birth_date_of(id_number_value: str) -> date:
    """The birth date encoded in a (valid) resident ID number."""
    text = id_number(id_number_value)
    return date(int(text[6:10]), int(text[10:12]), int(text[12:14]))


# --- unified social credit code (GB 32100-2015) ----------------------------------------------------

USC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USC_VALUE = {char: index for index, char in enumerate(USC_CHARS)}


def usc_check_char(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters of a unified social credit code."""
    if len(first17) != 17 or any(char not in _USC_VALUE for char in first17):
        raise ValueError("usc_check_char needs 17 characters from " + USC_CHARS)
    total = sum(_USC_VALUE[char] * weight for char, weight in zip(first17, USC_WEIGHTS, strict=True))
    return USC_CHARS[(31 - total % 31) % 31]


def org_code(value: Any, field: str = "org_code") -> str:
    """An 18-character unified social credit code with a valid check character; returned upper-case."""
    text = _string(value, field).strip().upper()
    if len(text) != 18:
        raise InvalidValue(field, f"a unified social credit code has 18 characters, this has {len(text)}")
    bad = sorted({char for char in text if char not in _USC_VALUE})
    if bad:
        raise InvalidValue(field, f"{''.join(bad)} cannot occur in a unified social credit code (no I, O, S, V, Z)")
    if not text[2:8].isdigit():
        raise InvalidValue(field, "characters 3 to 8 are the region code and must be digits")
    expected = usc_check_char(text[:17])
    if text[17] != expected:
        raise InvalidValue(field, f"check character is {text[17]}, the first 17 characters give {expected}")
    return text


def party_key(value: Any, field: str) -> str:
    """A resident ID number or a unified social credit code (a vehicle's owner, a notice's recipient)."""
    text = _string(value, field)
    try:
        return id_number(text, field)
    except InvalidValue as as_id:
        try:
            return org_code(text, field)
        except InvalidValue:
            raise InvalidValue(
                field, f"neither a resident ID number nor a unified social credit code ({as_id.reason})"
            ) from None


# --- plates -----------------------------------------------------------------------------------------

_PLATE_DOTS = str.maketrans("", "", PLATE_SEPARATORS)
_ALNUM = "A-HJ-NP-Z0-9"  # letters I and O never occur on a plate
# GA 36: the serial after the issuing authority's letter has digits (an all-letter serial is never issued);
# 港/澳 plates (vehicles crossing from Hong Kong and Macao) are issued by 粤Z only; consulate plates end in
# 领, embassy plates are 使 and 6 digits, emergency-rescue plates end in 应急.
_ORDINARY_PLATE = re.compile(rf"[{PLATE_PROVINCES}][A-HJ-NP-Z][{_ALNUM}]{{4}}[{_ALNUM}挂学警领]")
_HK_MACAO_PLATE = re.compile(rf"粤Z[{_ALNUM}]{{4}}[港澳]")
_EMBASSY_PLATE = re.compile(r"使[0-9]{6}")
_EMERGENCY_PLATE = re.compile(rf"[{PLATE_PROVINCES}][A-HJ-NP-Z][{_ALNUM}]{{4}}应急")
_NEW_ENERGY_SMALL = re.compile(rf"[{PLATE_PROVINCES}][A-HJ-NP-Z][DF][{_ALNUM}][0-9]{{4}}")
_NEW_ENERGY_LARGE = re.compile(rf"[{PLATE_PROVINCES}][A-HJ-NP-Z][0-9]{{5}}[DF]")


def plate(value: Any, field: str = "plate") -> str:
    """A plate: 7 characters, or 8 for new energy; the display dot is dropped; returned upper-case."""
    text = _string(value, field).translate(_PLATE_DOTS).upper()
    if not text:
        raise InvalidValue(field, "is empty")
    if _EMBASSY_PLATE.fullmatch(text):
        return text
    if text[0] not in PLATE_PROVINCES:
        raise InvalidValue(field, f"{text[0]} is not a province abbreviation")
    if "I" in text or "O" in text:
        raise InvalidValue(field, "letters I and O never occur on a plate")
    if len(text) == 7:
        if text[-1] in "港澳":
            if not _HK_MACAO_PLATE.fullmatch(text):
                raise InvalidValue(field, f"{text}: 港 and 澳 plates are issued by 粤Z only")
        elif not _ORDINARY_PLATE.fullmatch(text):
            raise InvalidValue(field, f"{text} is not a plate: province, a letter, then 5 letters or digits")
        if not any(ch.isdigit() for ch in text[2:]):
            raise InvalidValue(field, f"{text}: a plate's serial has digits, never only letters")
        return text
    if len(text) == 8 and text.endswith("应急"):
        if not _EMERGENCY_PLATE.fullmatch(text) or not any(ch.isdigit() for ch in text[2:6]):
            raise InvalidValue(field, f"{text} is not an emergency plate: province, a letter, 4 characters, 应急")
        return text
    if len(text) == 8:
        if not (_NEW_ENERGY_SMALL.fullmatch(text) or _NEW_ENERGY_LARGE.fullmatch(text)):
            raise InvalidValue(
                field, f"{text} is not a new-energy plate: 闽DD12345 (small) or 闽D12345D (large), D or F"
            )
        return text
    raise InvalidValue(field, f"a plate has 7 characters (8 for new energy), this has {len(text)}")


def plate_type(value: Any, field: str = "plate_type") -> str:
    """A 2-digit GA 36 plate type code."""
    text = _string(value, field).strip()
    if text not in PLATE_TYPES:
        raise InvalidValue(field, f"{_shown(value)} is not a plate type code (e.g. 01, 02, 51, 52)")
    return text


def plate_matches_type(plate_value: str, type_code: str, field: str = "plate_type") -> None:
    """New-energy plate types go with 8-character plates and the others with 7."""
    new_energy_plate = len(plate_value) == 8 and not plate_value.endswith("应急")
    if new_energy_plate and type_code not in NEW_ENERGY_PLATE_TYPES:
        raise InvalidValue(field, f"{plate_value} is a new-energy plate, its type is 51 or 52, not {type_code}")
    if not new_energy_plate and type_code in NEW_ENERGY_PLATE_TYPES:
        raise InvalidValue(field, f"type {type_code} is a new-energy plate with 8 characters, {plate_value} has 7")


# --- vehicle identification -------------------------------------------------------------------------

_VIN = re.compile(r"[A-HJ-NPR-Z0-9]{17}")


# The position-9 check digit of GB 16735 (道路车辆 车辆识别代号, annex on the check digit), the same
# computation as ISO 3779: each character is transliterated to a number (digits as themselves, letters by
# the table below; I, O and Q are never used), multiplied by its position's weight, and the sum taken
# modulo 11; a remainder of 10 is written X.
_VIN_TRANSLITERATION = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)), "P": 7, "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def vin_check_digit(text: str) -> str:
    """The check digit (0-9 or X) that position 9 of the 17-character VIN `text` must hold (GB 16735,
    ISO 3779). Position 9 itself has weight 0, so whatever it holds does not matter."""
    if len(text) != 17 or not _VIN.fullmatch(text):
        raise InvalidValue("vin", f"{_shown(text)} is not 17 VIN characters")
    remainder = sum(_VIN_TRANSLITERATION[char] * weight for char, weight in zip(text, _VIN_WEIGHTS, strict=True)) % 11
    return "X" if remainder == 10 else str(remainder)


def vin(value: Any, field: str = "vin") -> str:
    """A 17-character VIN without I, O or Q. The position-9 check digit is not enforced: upstream holds
    older vehicles whose VINs have none."""
    text = _string(value, field).strip().upper()
    if len(text) != 17:
        raise InvalidValue(field, f"a VIN has 17 characters, this has {len(text)}")
    if not _VIN.fullmatch(text):
        raise InvalidValue(field, "a VIN has only digits and letters other than I, O and Q")
    return text


def engine_last6(value: Any, field: str = "engine_last6") -> str:
    text = _string(value, field).strip().upper()
    if not re.fullmatch(r"[A-Z0-9]{6}", text):
        raise InvalidValue(field, "must be the last 6 letters or digits of the engine number")
    return text


def vehicle_kind(value: Any, field: str = "vehicle_kind") -> str:
    text = _string(value, field).strip().upper()
    if not re.fullmatch(r"[A-Z][0-9]{2}", text):
        raise InvalidValue(field, f"{_shown(value)} is not a GA 802 vehicle type code such as K33")
    return text


# --- phone numbers ----------------------------------------------------------------------------------

def _shown_phone(text_value: str) -> str:
    # Error reasons end up on an operator's terminal and in logs: a real number (a landline, say) is
    # shown masked like every phone number in a log, `138****8000`.
    if sum(char.isdigit() for char in text_value) >= 7:
        return repr(mask_phone(text_value))
    return _shown(text_value)


def phone(value: Any, field: str = "phone", *, mobile: bool = True, region: str = "CN") -> str:
    """A phone number in E.164. Numbers without a country code are read in `region`. With `mobile`
    (the default) a landline is refused: notices and one-time codes go by SMS."""
    text_value = _string(value, field).strip()
    number = phones.read(text_value, region)
    if number is not None and number.valid and (number.mobile or not mobile):
        return number.e164
    shown = _shown_phone(text_value)
    if number is None:
        raise InvalidValue(field, f"{shown} is not a phone number")
    if not number.valid:
        raise InvalidValue(field, f"{shown} is not a valid phone number")
    raise InvalidValue(field, f"{shown} is not a mobile number; texts cannot reach it")


# --- dates, times, numbers, text --------------------------------------------------------------------

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Years a record's dates and timestamps may fall in. Outside them a value is a typo or a placeholder
# (0001-01-01, 9999-12-31; a long-term licence is `null`), and the arithmetic done on it later (a permit's
# 3 years, a fine's 16 days, a timestamp's offset) would overflow the calendar.
FIRST_YEAR, LAST_YEAR = 1900, 2199


def _plausible_year(year: int, value: Any, field: str) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidValue(field, f"{_shown(value)} is not a plausible date (years {FIRST_YEAR} to {LAST_YEAR})")


def calendar_date(value: Any, field: str) -> date:
    """A `YYYY-MM-DD` calendar date (China Standard Time by the contract)."""
    text = _string(value, field)
    if not _DATE.fullmatch(text):
        raise InvalidValue(field, f"{_shown(value)} is not a date in the form YYYY-MM-DD")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InvalidValue(field, f"{text} is not a real date") from None
    _plausible_year(day.year, value, field)
    return day


def timestamp(value: Any, field: str) -> datetime:
    """An ISO 8601 timestamp with an offset (`2026-11-20T10:00:00+08:00` or `...Z`); returned in UTC."""
    text = _string(value, field)
    if not re.match(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}", text):
        raise InvalidValue(field, f"{_shown(value)} is not an ISO 8601 timestamp")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidValue(field, f"{_shown(value)} is not an ISO 8601 timestamp") from None
    if parsed.tzinfo is None:
        raise InvalidValue(field, f"{text} has no offset; write e.g. {text}+08:00")
    _plausible_year(parsed.year, value, field)  # before astimezone, which overflows at year 1 and 9999
    return parsed.astimezone(UTC)


def integer(value: Any, field: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    # bool is an int in Python, but `true` is not a number in a record.
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValue(field, f"must be a whole number, not {_shown(value)}")
    if minimum is not None and value < minimum:
        raise InvalidValue(field, f"must be at least {minimum}, not {value}")
    if maximum is not None and value > maximum:
        raise InvalidValue(field, f"must be at most {maximum}, not {value}")
    return value


def boolean(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidValue(field, f"must be true or false, not {_shown(value)}")
    return value


# Control characters other than tab and line breaks: PostgreSQL refuses NUL in text outright, and the
# rest have no business in a name or an address that is spoken or texted.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def text(value: Any, field: str, *, max_length: int | None = None) -> str:
    """Non-empty text, surrounding spaces removed, without control characters."""
    stripped = _string(value, field).strip()
    if not stripped:
        raise InvalidValue(field, "must not be empty")
    if _CONTROL.search(stripped):
        raise InvalidValue(field, "contains a control character (such as NUL)")
    if max_length is not None and len(stripped) > max_length:
        raise InvalidValue(field, f"at most {max_length} characters, this has {len(stripped)}")
    return stripped


def person_name(value: Any, field: str = "name") -> str:
    return text(value, field, max_length=30)


def choice(value: Any, field: str, options: tuple[str, ...] | frozenset[str]) -> str:
    if not isinstance(value, str) or value not in options:
        listed = ", ".join(sorted(options))
        raise InvalidValue(field, f"{_shown(value)} is not one of {listed}")
    return value


def digits(value: Any, field: str, *, lengths: tuple[int, ...], what: str) -> str:
    """A string of digits of one of the given lengths (file numbers, violation codes)."""
    text_value = _string(value, field).strip()
    if not text_value.isascii() or not text_value.isdigit() or len(text_value) not in lengths:
        counts = " or ".join(str(n) for n in lengths)
        raise InvalidValue(field, f"{what} is {counts} digits, not {_shown(value)}")
    return text_value


def pin(value: Any, field: str = "pin") -> str:
    # A number would lose its leading zeros (012345), so a PIN must come as a string.
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{6}", value):
        raise InvalidValue(field, "must be a string of 6 digits, e.g. \"135790\"")
    return value


# Ten million yuan: far above any traffic fine, and in fen still inside a 32-bit INTEGER column.
MAX_YUAN = 10_000_000


def yuan_to_fen(value: Any, field: str) -> int:
    """Whole yuan (0 or more) in a record to fen inside the hotline, rounded half up."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidValue(field, f"must be an amount in yuan, not {_shown(value)}")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise InvalidValue(field, f"must be an amount in yuan, not {_shown(value)}") from None
    if not amount.is_finite() or amount < 0:
        raise InvalidValue(field, f"must be 0 or more, not {_shown(value)}")
    if amount > MAX_YUAN:
        raise InvalidValue(field, f"must be at most {MAX_YUAN} yuan, not {_shown(value)}")
    return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


# --- licences, statuses, exams ----------------------------------------------------------------------


def licence_class(value: Any, field: str = "licence_class") -> str:
    if not isinstance(value, str) or value.strip().upper() not in LICENCE_CLASSES:
        raise InvalidValue(field, f"{_shown(value)} is not a licence class ({' '.join(LICENCE_CLASSES)})")
    return value.strip().upper()


def licence_classes(value: Any, field: str = "classes") -> list[str]:
    """A non-empty list of licence classes, without repeats, in the order given."""
    if not isinstance(value, list) or not value:
        raise InvalidValue(field, f"must be a non-empty list of licence classes, e.g. [\"C1\"], not {_shown(value)}")
    classes = [licence_class(item, field) for item in value]
    if len(set(classes)) != len(classes):
        raise InvalidValue(field, "lists a class twice")
    return classes


def status_letters(value: Any, field: str = "status") -> str:
    """One or more status letters (A normal, ...), each once. Letters without a name are read as 其他."""
    text_value = _string(value, field).strip()
    if not re.fullmatch(r"[A-Z]{1,26}", text_value):
        raise InvalidValue(field, f"{_shown(value)} is not status letters (capital letters, A for normal)")
    if len(set(text_value)) != len(text_value):
        raise InvalidValue(field, f"{text_value} repeats a letter")
    return text_value


def subject(value: Any, field: str = "subject") -> str:
    return choice(value, field, SUBJECTS)


def region_or_all(value: Any, name: str = "area") -> str:
    """An announcement's area: `all`, or a 6-digit region code (行政区划代码) such as `350200`."""
    if value == "all":
        return value
    if not isinstance(value, str) or not value.isascii() or not value.isdigit() or len(value) != 6 \
            or value[:2] == "00":
        raise InvalidValue(name, f"must be all or a 6-digit region code such as 350200, not {value!r}")
    return value


def language(value: Any, field: str = "language") -> str:
    return choice(value, field, ("zh-CN", "en"))


_DECISION_NUMBER = re.compile(r"[0-9A-Za-z\u3400-\u9fff〔〕()（）\[\]\-]{1,40}")


def decision_number(value: Any, field: str = "decision_number") -> str:
    """A penalty decision's number (处罚决定书编号): up to 40 letters, digits, Chinese characters, brackets or
    hyphens, e.g. `3502031900012345` or `厦公交决字〔2026〕第001234号`."""
    text_value = _string(value, field).strip()
    if not _DECISION_NUMBER.fullmatch(text_value):
        raise InvalidValue(
            field, f"a decision number is 1–40 letters, digits or Chinese characters, not {_shown(value)}"
        )
    return text_value


def payment_reference(value: Any, field: str = "payment_reference") -> str:
    """The reference a fine is paid under (缴款编号): 10 to 30 digits."""
    text_value = _string(value, field).strip()
    if not text_value.isascii() or not text_value.isdigit() or not 10 <= len(text_value) <= 30:
        raise InvalidValue(field, f"a payment reference is 10 to 30 digits, not {_shown(value)}")
    return text_value
