"""Dates, money and plates written for people, in zh-CN and en (texts; speech is in hotline/ivr)."""

from __future__ import annotations

from datetime import date, datetime

from .clock import CHINA


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


def install_filters(env) -> None:
    env.filters["money"] = money
    env.filters["day"] = day
    env.filters["moment"] = moment
    env.filters["plate"] = plate
