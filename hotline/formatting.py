"""Dates, money and plates written for people, in zh-CN and en (texts; speech is in hotline/ivr)."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

import phonenumbers

from .clock import CHINA
from .domain.regions import region_name


def money(fen: int, language: str = "zh-CN") -> str:
    """12345 fen -> `123.45元` / `CNY 123.45`; whole yuan drop the decimals (`200元`)."""
    yuan, rest = divmod(int(fen), 100)
    amount = f"{yuan}" if rest == 0 else f"{yuan}.{rest:02d}"
    return f"{amount}元" if language == "zh-CN" else f"CNY {amount}"


def day(value: date | datetime | None, language: str = "zh-CN") -> str:
    """A China calendar date: `2026年12月31日` / `31 Dec 2026`."""
    if value is None:
        return "长期" if language == "zh-CN" else "long-term"
    if isinstance(value, datetime):
        value = value.astimezone(CHINA).date()
    if language == "zh-CN":
        return f"{value.year}年{value.month:02d}月{value.day:02d}日"
    return value.strftime("%d %b %Y").lstrip("0")


def moment(value: datetime, language: str = "zh-CN") -> str:
    """A China wall-clock time: `2026年12月01日09:00` / `1 Dec 2026 09:00`."""
    local = value.astimezone(CHINA)
    return f"{day(local.date(), language)}{'' if language == 'zh-CN' else ' '}{local:%H:%M}"


def plate(value: str) -> str:
    """Plates are written without the display dot in texts (it costs a character)."""
    return value.replace("·", "")


def offence(description: str) -> str:
    """An offence as a text says it: the legal wording without its closing 的 (`机动车逆向行驶的` ->
    `机动车逆向行驶`), its known short form. Never cut: a cut offence (`驾驶机动车违反道路…`) says nothing."""
    return description[:-1] if description.endswith("的") else description


@lru_cache(maxsize=64)
def dialled(number: str) -> str:
    """A number as a citizen dials it: `+8659212123` -> `0592-12123`, `+8613800138000` -> `138 0013 8000`.

    phonenumbers formats every ordinary number; a service number after a city's area code (12123 in
    Xiamen, 0592) is not one it knows, so its area code is read as Chinese area codes are laid out:
    two digits after 1 or 2 (010 Beijing, 020-029), three otherwise (0592).

    Cached: every SMS reply names the agent number, the same one each time, and parsing it with
    phonenumbers was about 3 % of a `WZ` reply's CPU."""
    try:
        parsed = phonenumbers.parse(number, "CN")
    except phonenumbers.NumberParseException:
        return number
    if phonenumbers.is_valid_number(parsed):
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    national = phonenumbers.national_significant_number(parsed)
    if parsed.country_code != 86 or len(national) < 6:
        return number
    split = 2 if national[0] in "12" else 3
    return f"0{national[:split]}-{national[split:]}"


def reference(value: str) -> str:
    """A long number people type in (a payment reference, 缴款编号) in groups of four, as bank slips print
    it: easier to copy, and never read as an ID number."""
    return " ".join(value[i:i + 4] for i in range(0, len(value), 4))


def install_filters(env) -> None:
    env.filters["region"] = region_name
    env.filters["money"] = money
    env.filters["day"] = day
    env.filters["moment"] = moment
    env.filters["plate"] = plate
    env.filters["offence"] = offence
    env.filters["reference"] = reference
