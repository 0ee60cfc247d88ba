"""Facts written for a listener, not a reader: what the `<Say>` voice reads out, in zh-CN and en.

A date on paper (`2026-12-01`) or a plate (`闽D12345`) read aloud by a speech engine comes out as a long
number; a listener needs the month in words, the amount in yuan and jiao, the plate character by
character. Values arrive as Python objects or as the ISO strings they become in the call state.
"""

from __future__ import annotations

from datetime import date, datetime

from ..clock import CHINA
from ..digits import ASCII_DIGITS
from ..domain.regions import region_name

# Digits read one by one in Mandarin (plates, numbers): 1 is 幺, as callers say it on the phone, so that
# it is not confused with 七.
ZH_DIGITS = "零幺二三四五六七八九"
EN_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)
EN_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ZH_WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")

# Province abbreviations as an English voice can say them (pinyin).
PROVINCE_PINYIN = {
    "京": "Jing", "津": "Jin", "沪": "Hu", "渝": "Yu", "冀": "Ji", "豫": "Yu", "云": "Yun", "辽": "Liao",
    "黑": "Hei", "湘": "Xiang", "皖": "Wan", "鲁": "Lu", "新": "Xin", "苏": "Su", "浙": "Zhe", "赣": "Gan",
    "鄂": "E", "桂": "Gui", "甘": "Gan", "晋": "Jin", "蒙": "Meng", "陕": "Shan", "吉": "Ji", "闽": "Min",
    "贵": "Gui", "粤": "Yue", "青": "Qing", "藏": "Zang", "川": "Chuan", "宁": "Ning", "琼": "Qiong",
    "使": "Shi", "领": "Ling", "挂": "Gua", "学": "Xue", "警": "Jing", "港": "Gang", "澳": "Ao",
}


def _as_date(value: date | datetime | str) -> date:
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        return value.astimezone(CHINA).date() if value.tzinfo else value.date()
    return value


def _as_moment(value: datetime | str) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(CHINA) if value.tzinfo else value


def spoken_date(value: date | datetime | str | None, language: str = "zh-CN") -> str:
    """`2026-12-01` -> `2026年12月1日` / `1 December 2026` (no leading zeros, the month in words)."""
    if value is None:
        return "长期有效" if language == "zh-CN" else "no expiry date"
    day = _as_date(value)
    if language == "zh-CN":
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.day} {EN_MONTHS[day.month - 1]} {day.year}"


def spoken_weekday_date(value: date | datetime | str, language: str = "zh-CN") -> str:
    """A date with its weekday, for appointments: `2026年12月1日，星期二` / `Tuesday, 1 December 2026`."""
    day = _as_date(value)
    if language == "zh-CN":
        return f"{spoken_date(day, language)}，{ZH_WEEKDAYS[day.weekday()]}"
    return f"{EN_WEEKDAYS[day.weekday()]}, {spoken_date(day, language)}"


def spoken_time(value: datetime | str, language: str = "zh-CN") -> str:
    """China wall-clock time: `上午9点30分` / `9:30 AM`."""
    moment = _as_moment(value)
    hour, minute = moment.hour, moment.minute
    if language == "zh-CN":
        part = "上午" if hour < 12 else "下午"
        shown = hour if hour <= 12 else hour - 12
        return f"{part}{shown}点" + (f"{minute}分" if minute else "整")
    suffix = "AM" if hour < 12 else "PM"
    shown = hour % 12 or 12
    return f"{shown}:{minute:02d} {suffix}" if minute else f"{shown} {suffix}"


def spoken_moment(value: datetime | str, language: str = "zh-CN") -> str:
    """A date and a time: `2026年12月1日上午9点整` / `1 December 2026 at 9 AM`."""
    moment = _as_moment(value)
    if language == "zh-CN":
        return f"{spoken_date(moment, language)}{spoken_time(moment, language)}"
    return f"{spoken_date(moment, language)} at {spoken_time(moment, language)}"


def spoken_money(fen: int, language: str = "zh-CN") -> str:
    """Amounts in yuan and jiao (and fen when there are any): `200元5角` / `200 yuan 5 jiao`."""
    yuan, rest = divmod(int(fen), 100)
    jiao, fen_left = divmod(rest, 10)
    if language == "zh-CN":
        text = f"{yuan}元"
        if jiao or fen_left:
            text += f"{jiao}角" if jiao else "零"
        if fen_left:
            text += f"{fen_left}分"
        return text
    parts = [f"{yuan} yuan"]
    if jiao:
        parts.append(f"{jiao} jiao")
    if fen_left:
        parts.append(f"{fen_left} fen")
    return " ".join(parts)


def spoken_plate(plate: str, language: str = "zh-CN") -> str:
    """Character by character, so `闽D12345` is not heard as twelve thousand: `闽，D，幺，二，三，四，五`."""
    chars = [ch for ch in plate if ch not in "·. "]
    if language == "zh-CN":
        spoken = [ZH_DIGITS[int(ch)] if ch in ASCII_DIGITS else ch for ch in chars]
        return "，".join(spoken)
    return ", ".join(PROVINCE_PINYIN.get(ch, ch) for ch in chars)


def spoken_count(n: int, language: str = "zh-CN") -> str:
    return str(int(n))


def spoken_list(words: list[str] | tuple[str, ...], language: str = "zh-CN") -> str:
    """Status words and the like: `正常、违法未处理` / `normal, violation not handled`."""
    return ("、" if language == "zh-CN" else ", ").join(words)


def spoken_name(masked: str, language: str = "zh-CN") -> str:
    """A masked name as the Mandarin voice can say it: `陈*美` -> `陈某美` (某 is how a name left unsaid is
    spoken; a star would be read out or skipped). English prompts say it with the Mandarin voice too."""
    return (masked or "").replace("*", "某")


FILTERS = {
    "date": spoken_date,
    "weekday_date": spoken_weekday_date,
    "time": spoken_time,
    "moment": spoken_moment,
    "money": spoken_money,
    "plate": spoken_plate,
    "words": spoken_list,
    "name": spoken_name,
    "region": region_name,  # 350203 -> 厦门市思明区 / Siming District, Xiamen
}
