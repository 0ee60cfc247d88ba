"""Status letters of licences and vehicles (GA code tables, docs/records.md) read as words.

A licence or a vehicle may carry several letters ("HM"). The upstream may send a capital letter our
tables do not know: it reads as 其他 / other rather than failing, because the record was accepted.
These are the facts' names, not channel phrasing: both doors and the notices show the same words.
"""

from __future__ import annotations

LANGUAGES = ("zh-CN", "en")

LICENCE_STATUSES: dict[str, tuple[str, str]] = {
    "A": ("正常", "normal"),
    "B": ("超分", "points limit reached"),
    "C": ("转出", "transferred out"),
    "D": ("暂扣", "suspended"),
    "E": ("撤销", "rescinded"),
    "F": ("吊销", "revoked"),
    "G": ("注销", "cancelled"),
    "H": ("违法未处理", "violation not handled"),
    "I": ("事故未处理", "accident not handled"),
    "J": ("停止使用", "use stopped"),
    "K": ("扣押", "seized"),
    "L": ("锁定", "locked"),
    "M": ("逾期未换证", "renewal overdue"),
    "N": ("延期换证", "renewal extended"),
    "P": ("延期体检", "physical examination extended"),
    "R": ("注销可恢复", "cancelled, restorable"),
    "S": ("逾期未审验", "review overdue"),
    "T": ("延期审验", "review extended"),
    "U": ("扣留", "detained"),
}

VEHICLE_STATUSES: dict[str, tuple[str, str]] = {
    "A": ("正常", "normal"),
    "B": ("转出", "transferred out"),
    "C": ("被盗抢", "stolen or robbed"),
    "D": ("停驶", "off the road"),
    "E": ("注销", "deregistered"),
    "G": ("违法未处理", "violation not handled"),
    "H": ("海关监管", "under customs supervision"),
    "I": ("事故未处理", "accident not handled"),
    "J": ("嫌疑车", "suspect vehicle"),
    "K": ("查封", "sealed up"),
    "L": ("暂扣", "impounded"),
    "M": ("强制注销", "compulsorily deregistered"),
    "N": ("事故逃逸", "hit and run"),
    "O": ("锁定", "locked"),
    "P": ("达到报废标准", "reached the scrapping standard"),
    "Q": ("逾期未检验", "inspection overdue"),
}

OTHER = ("其他", "other")


def licence_status_words(letters: str, language: str) -> list[str]:
    """`"HM"`, `"zh-CN"` -> `["违法未处理", "逾期未换证"]`."""
    return _words(LICENCE_STATUSES, letters, language)


def vehicle_status_words(letters: str, language: str) -> list[str]:
    """`"AQ"`, `"en"` -> `["normal", "inspection overdue"]`."""
    return _words(VEHICLE_STATUSES, letters, language)


def _words(table: dict[str, tuple[str, str]], letters: str, language: str) -> list[str]:
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}")
    index = LANGUAGES.index(language)
    words: list[str] = []
    for letter in letters or "":
        if letter.isspace():
            continue
        word = table.get(letter, OTHER)[index]
        # Several unknown letters would otherwise read "other, other".
        if word not in words:
            words.append(word)
    return words
