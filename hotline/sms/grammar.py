"""The keyword grammar: `parse(text) -> Command`, pure and total (it never raises).

What people type, after `normalise`:

    违法 / 违章 / WZ / VIOLATIONS [plate] [page]     own violations (a plate narrows them)
    驾驶证 / 驾照 / JSZ / LICENCE                     own licence
    车辆 / CL / VEHICLE [plate]                       own vehicles
    检验 / 年检 / JY [plate] [n]                      inspection validity and open slots; with n: book slot n
    考试 / KS / EXAMS [page]                          own exam applications
    预约 / YY / BOOK KM2 [n]                          open plans of a subject; with n: apply for plan n
    取消 / QX [n]                                     what can be cancelled; with n: cancel item n
    延期 / YQ [kind] [reason] [years]                 extension application: kind 1 renewal 2 review
                                                      3 physical certificate, reason 1 military 2 abroad
                                                      3 other, 1-3 years (`YQ 1 2 3`); fewer numbers ask
                                                      for the next one
    处理 / BL / HANDLE n                              handle violation n of the WZ list (自助处理)
    缴款 / JK / PAY [n]                               how to pay the decided fines (or fine n of WZ)
    延期处理 / HC / DEFER n [months]                  defer handling violation n by 1-3 months
    异议 / SS / OBJECT n                              object to the record of violation n
    改号 / GH [number | code]                         change one's contact number: GH and the new mobile
                                                      number sends a code there; GH and the code (or the
                                                      6-digit code alone) from the old number confirms
    公告 / GG [area | TD]                             subscribe to announcements (a 6-digit region code,
                                                      default the sender's own); GG TD unsubscribes
    帮助 / BZ / HELP                                  the short help
    退订 / TD / T          订阅 / DY                  our own opt-out and opt-in for notices
    STOP / UNSUBSCRIBE / START ...                    Twilio's own keywords (the provider acts on them too)
    EN / 中文                                         reply language
    Y / 确认, N / 否                                  answer to a confirmation prompt
    123X                                              last 4 of the ID number, on a shared number

A plate may carry its display dot or spaces (`闽D·12345`, `闽 D 12345`); subjects read `KM2`, `KM 2`, `科目二`,
`科二`; `科目四` / `KM4` is KM3W. Filler words (`查询`, `我的`, `请`, `CHECK`, `MY`) are ignored, so `查询我的违法`
is `WZ`. Anything else is `Verb.UNKNOWN`, which the channel answers with help.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from ..domain.vehicles import PLATE_PROVINCES
from .normalise import MAX_LENGTH, has_control_characters, normalise


class Verb(StrEnum):
    VIOLATIONS = "violations"
    LICENCE = "licence"
    VEHICLES = "vehicles"
    INSPECTION = "inspection"
    EXAMS = "exams"
    BOOK_EXAM = "book_exam"
    CANCEL = "cancel"
    EXTENSION = "extension"  # YQ / 延期
    ANNOUNCEMENTS = "announcements"  # GG / 公告
    HANDLE = "handle"  # BL / 处理: self-service handling of a camera record
    PAY = "pay"  # JK / 缴款: how to pay a decided fine
    DEFER = "defer"  # HC / 延期处理
    OBJECT = "object"  # SS / 异议
    CHANGE_NUMBER = "change_number"  # GH / 改号: change one's contact number (art. 20 ¶2)
    HELP = "help"
    OPT_OUT = "opt_out"  # TD / 退订 / T: our own opt-out
    OPT_IN = "opt_in"  # 订阅
    PROVIDER_STOP = "provider_stop"  # STOP and Twilio's other opt-out words
    PROVIDER_START = "provider_start"  # START / UNSTOP
    LANGUAGE = "language"
    CONFIRM = "confirm"
    DECLINE = "decline"
    LAST4 = "last4"
    UNKNOWN = "unknown"


class Problem(StrEnum):
    EMPTY = "empty"
    TOO_LONG = "too_long"
    CONTROL = "control"
    UNRECOGNISED = "unrecognised"
    BAD_PLATE = "bad_plate"  # a keyword that takes a plate, and something plate-like that is not one


@dataclass(frozen=True)
class Command:
    verb: Verb
    plate: str | None = None
    subject: str | None = None  # KM1 | KM2 | KM3 | KM3W
    number: int | None = None  # a page (lists) or a choice (YY, JY, QX)
    last4: str | None = None  # "123X"
    language: str | None = None  # for Verb.LANGUAGE: "zh-CN" | "en"
    # The language the keyword was written in ("zh-CN" for 违法, "en" for VIOLATIONS, None for WZ): a
    # sender we do not know is answered in it.
    hint: str | None = None
    problem: Problem | None = None
    numbers: tuple[int, ...] = ()  # YQ: kind, reason, years as typed (up to 3)
    area: str | None = None  # GG: a 6-digit region code
    off: bool = False  # GG TD: unsubscribe
    digits: str | None = None  # GH: the new mobile number as typed, or the 6-digit code

    @property
    def page(self) -> int:
        return self.number if self.number and self.number > 0 else 1


# Messages that are one word and nothing else; matched on the whole text, so "THANKS" is never "T".
_WHOLE: dict[str, tuple[Verb, str | None]] = {}
for _words, _verb in (
    (("TD", "T", "R", "退订", "取消订阅", "拒收"), Verb.OPT_OUT),
    (("订阅", "DY", "恢复订阅", "重新订阅", "SUBSCRIBE"), Verb.OPT_IN),
    # Twilio's default opt-out and opt-in keywords: on a long code Twilio acts on them itself.
    (("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"), Verb.PROVIDER_STOP),
    (("START", "UNSTOP"), Verb.PROVIDER_START),
    (("Y", "YES", "OK", "确认", "确定", "是", "是的", "好", "好的", "同意", "对"), Verb.CONFIRM),
    (("N", "NO", "否", "不", "不要", "不用", "算了", "放弃"), Verb.DECLINE),
):
    for _word in _words:
        _WHOLE[_word] = (_verb, None)
for _word in ("EN", "ENGLISH", "英文", "英语"):
    _WHOLE[_word] = (Verb.LANGUAGE, "en")
for _word in ("中文", "ZH", "CN", "CHINESE", "汉语", "简体中文", "中文简体"):
    _WHOLE[_word] = (Verb.LANGUAGE, "zh-CN")

# Keywords that start a query; an argument (plate, subject, number) may follow.
_KEYWORDS: dict[str, Verb] = {}
for _words, _verb in (
    (("违法", "违章", "交通违法", "罚款", "WZ", "WF", "VIOLATIONS", "VIOLATION", "FINES", "FINE", "TICKETS"),
     Verb.VIOLATIONS),
    (("驾驶证", "驾照", "驾驶执照", "JSZ", "JZ", "LICENCE", "LICENSE", "DL"), Verb.LICENCE),
    (("车辆", "机动车", "汽车", "CL", "VEHICLES", "VEHICLE", "CARS", "CAR"), Verb.VEHICLES),
    (("检验", "年检", "年审", "车检", "JY", "NJ", "INSPECTION", "INSPECTIONS", "INSPECT"), Verb.INSPECTION),
    (("考试", "KS", "EXAMS", "EXAM", "TESTS"), Verb.EXAMS),
    (("预约考试", "申请考试", "预约", "申请", "YY", "BOOK", "APPLY"), Verb.BOOK_EXAM),
    (("取消", "QX", "WITHDRAW"), Verb.CANCEL),
    (("延期办理", "申请延期", "延期", "YQ", "EXTENSION", "EXTEND"), Verb.EXTENSION),
    (("公告", "公布", "GG", "ANNOUNCEMENTS", "ANNOUNCEMENT", "NEWS"), Verb.ANNOUNCEMENTS),
    (("帮助", "菜单", "BZ", "HELP", "INFO", "MENU", "H"), Verb.HELP),
    (("自助处理", "处理违法", "违法处理", "处理", "BL", "HANDLE"), Verb.HANDLE),
    (("缴纳罚款", "交罚款", "缴罚款", "缴款", "缴费", "交款", "JK", "PAY"), Verb.PAY),
    (("延期处理", "暂缓处理", "HC", "DEFER"), Verb.DEFER),
    (("异议", "申诉", "SS", "OBJECT", "DISPUTE"), Verb.OBJECT),
    (("变更联系电话", "变更手机号", "更换手机号", "改手机号", "改号", "GH", "NEWNUMBER"), Verb.CHANGE_NUMBER),
):
    for _word in _words:
        _KEYWORDS[_word] = _verb
# Longest first, so 预约考试 wins over 预约 and VIOLATIONS over VIOLATION.
_KEYWORD_ORDER = sorted(_KEYWORDS, key=len, reverse=True)

_CJK = re.compile(r"[\u3400-\u9fff]")
# Chinese filler words, removed wherever they occur (no keyword contains them). 请 is kept in 申请.
_CJK_FILLERS = re.compile(
    r"查询|查看|查一下|查下|查|我的|我要|我想|帮我|一下|回复|信息|记录|情况|短信|通知|提醒|(?<!申)请|的|吗|呢|啊"
)
_LATIN_FILLERS = frozenset({"QUERY", "CHECK", "MY", "PLEASE", "PLS", "SHOW", "LIST", "PAGE", "REPLY", "SEND", "ME"})

_PLATE_START = re.compile(rf"([{PLATE_PROVINCES}]) ?([A-Z])")
_REGULAR_SERIAL = re.compile(r"[A-HJ-NP-Z0-9]{4}[A-HJ-NP-Z0-9挂学警港澳]")
_NEV_SERIAL = re.compile(r"[DF][A-HJ-NP-Z0-9][0-9]{4}|[0-9]{5}[DF]")
_SERIAL_CHAR = re.compile(r"[A-Z0-9挂学警港澳]")

_SUBJECT = re.compile(r"KM ?([1-4])(W?)(?![0-9])|科目 ?([一二三四1-4])|科([一二三四])")
_SUBJECT_NUMBERS = {"一": "1", "二": "2", "三": "3", "四": "4"}

_LAST4 = re.compile(r"[0-9]{3}[0-9X]")
_TOKEN = re.compile(r"[0-9]{3}X(?![A-Z])|[0-9]+|[A-Z]+|[^ A-Z0-9]+")


# Texts this short (a keyword, with a plate, a number or the last 4) are read once per process and their
# Command kept: most texts are the same few keywords, and a Command is frozen. Longer ones are read each time,
# so that the kept ones stay small whatever anyone sends.
_KEPT_LENGTH = 32
_KEPT_TEXTS = 1024


def parse(text: object) -> Command:
    """Read one text message. Total: any input gives a Command, and anything unclear is UNKNOWN."""
    raw = text if isinstance(text, str) else ""
    try:
        return _parse_kept(raw) if len(raw) <= _KEPT_LENGTH else _parse(raw)
    except Exception:  # a parser bug must still leave the sender with the help text, not a 500
        return Command(Verb.UNKNOWN, problem=Problem.UNRECOGNISED)


@lru_cache(maxsize=_KEPT_TEXTS)
def _parse_kept(raw: str) -> Command:
    return _parse(raw)


def _parse(raw: str) -> Command:
    if len(raw) > MAX_LENGTH:
        return Command(Verb.UNKNOWN, problem=Problem.TOO_LONG)
    if has_control_characters(raw):
        return Command(Verb.UNKNOWN, problem=Problem.CONTROL)
    text = normalise(raw)
    if not text:
        return Command(Verb.UNKNOWN, problem=Problem.EMPTY)

    whole = _whole_message(text)
    if whole is not None:
        return whole
    if _LAST4.fullmatch(text):
        return Command(Verb.LAST4, last4=text)
    if _CODE.fullmatch(text):
        # A 6-digit code alone: the code of a number change waiting for it (the handler says if none is).
        return Command(Verb.CHANGE_NUMBER, digits=text)

    text, plate, plate_bad = _take_plate(text)
    text, subject = _take_subject(text)
    rest = _drop_fillers(text)
    verb, hint, rest = _take_keyword(rest)
    if verb is None:
        return Command(Verb.UNKNOWN, problem=Problem.UNRECOGNISED)

    if verb in _OWN_ARGUMENTS:
        return _OWN_ARGUMENTS[verb](verb, hint, rest)
    number: int | None = None
    last4: str | None = None
    for token in _TOKEN.findall(rest):
        token = token.strip()
        if not token:
            continue
        if _LAST4.fullmatch(token) and last4 is None:
            last4 = token
        elif token.isascii() and token.isdigit() and len(token) <= 3 and number is None:
            number = int(token)
        else:
            return Command(Verb.UNKNOWN, hint=hint, problem=Problem.UNRECOGNISED)
    return Command(
        verb, plate=plate, subject=subject, number=number, last4=last4, hint=hint,
        problem=Problem.BAD_PLATE if plate_bad else None,
    )


def _whole_message(text: str) -> Command | None:
    for candidate in (text, text.replace(" ", ""), _drop_fillers(text).replace(" ", "")):
        if candidate in _WHOLE:
            verb, language = _WHOLE[candidate]
            return Command(verb, language=language, hint=_hint(candidate))
    return None


def _hint(word: str) -> str | None:
    if _CJK.search(word):
        return "zh-CN"
    if len(word) > 3 and word.isascii():  # an English word, not pinyin initials like WZ or JSZ
        return "en"
    return None


def _drop_fillers(text: str) -> str:
    text = _CJK_FILLERS.sub(" ", text)
    words = [w for w in text.split() if w not in _LATIN_FILLERS]
    return " ".join(words)


def _take_keyword(text: str) -> tuple[Verb | None, str | None, str]:
    """The keyword at the start of `text` (after leading spaces), its language hint, and what follows."""
    text = text.strip()
    for word in _KEYWORD_ORDER:
        if not text.startswith(word):
            continue
        after = text[len(word):]
        # A Latin keyword must end at a word boundary (WZ2 is WZ 2, but WZX is nothing).
        if word.isascii() and after[:1].isascii() and after[:1].isalpha():
            continue
        return _KEYWORDS[word], _hint(word), after
    return None, None, text


def _take_plate(text: str) -> tuple[str, str | None, bool]:
    """Find a plate, tolerating spaces where the display dot was; return (text without it, plate, bad)."""
    match = _PLATE_START.search(text)
    if match is None:
        return text, None, False
    # Collect up to six serial characters, skipping single spaces, remembering where each ended.
    serial: list[str] = []
    ends: list[int] = []
    index = match.end()
    while index < len(text) and len(serial) < 6:
        ch = text[index]
        if ch == " ":
            index += 1
            continue
        if not _SERIAL_CHAR.fullmatch(ch):
            break
        # Plates never use I or O: a sender who typed them meant 1 and 0.
        serial.append({"I": "1", "O": "0"}.get(ch, ch))
        ends.append(index + 1)
        index += 1
    prefix = match.group(1) + match.group(2)
    for length, pattern in ((6, _NEV_SERIAL), (5, _REGULAR_SERIAL)):
        if len(serial) >= length and pattern.fullmatch("".join(serial[:length])):
            rest = text[: match.start()] + " " + text[ends[length - 1]:]
            return rest, prefix + "".join(serial[:length]), False
    rest = text[: match.start()] + " " + text[ends[-1] if ends else match.end():]
    return rest, None, True


def _take_subject(text: str) -> tuple[str, str | None]:
    match = _SUBJECT.search(text)
    if match is None:
        return text, None
    digit = match.group(1) or match.group(3) or match.group(4)
    digit = _SUBJECT_NUMBERS.get(digit, digit)
    # KM4 / 科目四 is what people call the safe and civilised driving knowledge test, KM3W here.
    subject = "KM3W" if digit == "4" or (digit == "3" and match.group(2)) else f"KM{digit}"
    return text[: match.start()] + " " + text[match.end():], subject


_AREA = re.compile(r"[1-9][0-9]{5}")
_EXTENSION_WORDS = (("提交身体条件证明", 3), ("身体条件证明", 3), ("换证", 1), ("审验", 2), ("体检", 3))
_OFF_WORDS = frozenset({"TD", "T", "QX", "退订", "取消", "OFF", "STOP"})


def _extension(verb: Verb, hint: str | None, rest: str) -> Command:
    """`YQ 1 2 3`: up to three small numbers (kind, reason, years), read as typed; the handler checks them."""
    numbers: list[int] = []
    rest = rest.strip()
    for word, kind in _EXTENSION_WORDS:
        if rest.startswith(word):  # 延期换证 / 延期审验 / 延期体检: the kind named in words
            numbers.append(kind)
            rest = rest[len(word):]
            break
    for token in _TOKEN.findall(rest):
        token = token.strip()
        if not token:
            continue
        if not (token.isascii() and token.isdigit()) or len(numbers) == 3:
            return Command(Verb.UNKNOWN, hint=hint, problem=Problem.UNRECOGNISED)
        # `YQ 123` is three choices typed without spaces.
        digits = [int(ch) for ch in token] if len(token) > 1 and len(numbers) + len(token) <= 3 else [int(token)]
        numbers.extend(digits)
    if len(numbers) > 3:
        return Command(Verb.UNKNOWN, hint=hint, problem=Problem.UNRECOGNISED)
    return Command(verb, hint=hint, numbers=tuple(numbers))


def _announcements(verb: Verb, hint: str | None, rest: str) -> Command:
    """`GG`, `GG 350200`, `GG TD` / `公告退订`."""
    words = [token.strip() for token in _TOKEN.findall(rest) if token.strip()]
    if not words:
        return Command(verb, hint=hint)
    if len(words) == 1 and words[0] in _OFF_WORDS:
        return Command(verb, hint=hint, off=True)
    if len(words) == 1 and _AREA.fullmatch(words[0]):
        return Command(verb, hint=hint, area=words[0])
    return Command(Verb.UNKNOWN, hint=hint, problem=Problem.UNRECOGNISED)


def _violation_and_months(verb: Verb, hint: str | None, rest: str) -> Command:
    """`HC 2 3`: the violation's number in the WZ list, then the months (1-3) when given; `个月` may follow."""
    numbers: list[int] = []
    for token in _TOKEN.findall(rest.replace("个月", " ").replace("月", " ")):
        token = token.strip()
        if not token:
            continue
        if not (token.isascii() and token.isdigit()) or len(token) > 3 or len(numbers) == 2:
            return Command(Verb.UNKNOWN, hint=hint, problem=Problem.UNRECOGNISED)
        numbers.append(int(token))
    return Command(verb, hint=hint, number=numbers[0] if numbers else None, numbers=tuple(numbers))


_CODE = re.compile(r"[0-9]{6}")
_NEW_NUMBER = re.compile(r"\+?[0-9]{7,15}")


def _change_number(verb: Verb, hint: str | None, rest: str) -> Command:
    """`GH 13912345678` (the new number; spaces and dashes inside it are allowed) or `GH 123456` (the code)."""
    digits = rest.replace(" ", "").replace("-", "")
    if not digits:
        return Command(verb, hint=hint)
    if _CODE.fullmatch(digits) or _NEW_NUMBER.fullmatch(digits):
        return Command(verb, hint=hint, digits=digits)
    return Command(Verb.UNKNOWN, hint=hint, problem=Problem.UNRECOGNISED)


_OWN_ARGUMENTS = {
    Verb.CHANGE_NUMBER: _change_number,
    Verb.EXTENSION: _extension,
    Verb.ANNOUNCEMENTS: _announcements,
    Verb.DEFER: _violation_and_months,
}
