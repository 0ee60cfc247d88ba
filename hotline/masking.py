"""One place that masks personal data for logs, texts and speech (ARCHITECTURE.md rule 6)."""

from __future__ import annotations

import re

from .phones import is_mobile


def mask_id(id_number: str | None) -> str:
    """`35020319900101123X` -> `3502**********123X`."""
    if not id_number:
        return ""
    if len(id_number) <= 8:
        return "*" * len(id_number)
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]


def mask_name(name: str | None) -> str:
    """`林小明` -> `林*明`, `陈美` -> `陈*`, `欧阳娜娜` -> `欧**娜`."""
    if not name:
        return ""
    if len(name) <= 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_phone(phone: str | None) -> str:
    """`+8613800138000` -> `138****8000`; other numbers keep their last 4."""
    if not phone:
        return ""
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if len(digits) == 11:
        return digits[:3] + "****" + digits[-4:]
    return "*" * max(len(digits) - 4, 0) + digits[-4:]


_ID_PATTERN = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[0-9Xx])(?![0-9A-Za-z])")
# Eleven digits from 1, alone or after 86: a mainland mobile if phonenumbers says so (phones.is_mobile).
_PHONE_CANDIDATE = re.compile(r"(?<![0-9A-Za-z])(\+?86)?(1\d{2})(\d{4})(\d{4})(?![0-9A-Za-z])")


def _mask_mobile(match: re.Match) -> str:
    if not is_mobile("".join(match.group(2, 3, 4))):
        return match.group(0)
    return match.group(2) + "****" + match.group(4)


def mask_text(text: str) -> str:
    """Mask every resident ID and mobile number found in free text (log lines, error messages)."""
    text = _ID_PATTERN.sub(lambda m: mask_id(m.group(0)), text)
    return _PHONE_CANDIDATE.sub(_mask_mobile, text)
