"""The keyword grammar over texts people really send: widths, cases, spaces, punctuation, plates, pinyin."""

import pytest

from hotline.sms.grammar import Command, Problem, Verb, parse
from hotline.sms.normalise import normalise

V = Verb

# (what was typed, verb, plate, subject, number)
VARIANTS = [
    # violations, every way of asking
    ("WZ", V.VIOLATIONS, None, None, None),
    ("wz", V.VIOLATIONS, None, None, None),
    ("Wz", V.VIOLATIONS, None, None, None),
    ("ｗｚ", V.VIOLATIONS, None, None, None),
    ("ＷＺ", V.VIOLATIONS, None, None, None),
    ("  wz  ", V.VIOLATIONS, None, None, None),
    ("WZ.", V.VIOLATIONS, None, None, None),
    ("WZ!", V.VIOLATIONS, None, None, None),
    ("违法", V.VIOLATIONS, None, None, None),
    ("违法。", V.VIOLATIONS, None, None, None),
    ("违法！", V.VIOLATIONS, None, None, None),
    ("违章", V.VIOLATIONS, None, None, None),
    ("查询违法", V.VIOLATIONS, None, None, None),
    ("查询我的违法记录", V.VIOLATIONS, None, None, None),
    ("违法查询", V.VIOLATIONS, None, None, None),
    ("VIOLATIONS", V.VIOLATIONS, None, None, None),
    ("violations", V.VIOLATIONS, None, None, None),
    ("Violation", V.VIOLATIONS, None, None, None),
    ("check my violations", V.VIOLATIONS, None, None, None),
    ("WZ 闽D12345", V.VIOLATIONS, "闽D12345", None, None),
    ("WZ 闽D·12345", V.VIOLATIONS, "闽D12345", None, None),
    ("WZ 闽D・12345", V.VIOLATIONS, "闽D12345", None, None),
    ("WZ 闽D.12345", V.VIOLATIONS, "闽D12345", None, None),
    ("WZ 闽D-12345", V.VIOLATIONS, "闽D12345", None, None),
    ("WZ 闽 D 12345", V.VIOLATIONS, "闽D12345", None, None),
    ("WZ闽D12345", V.VIOLATIONS, "闽D12345", None, None),
    ("wz 闽d12345", V.VIOLATIONS, "闽D12345", None, None),
    ("ＷＺ　闽Ｄ１２３４５！", V.VIOLATIONS, "闽D12345", None, None),
    ("违法，闽D·12345。", V.VIOLATIONS, "闽D12345", None, None),
    ("违法闽D12345", V.VIOLATIONS, "闽D12345", None, None),
    ("闽D12345违章", V.VIOLATIONS, "闽D12345", None, None),
    ("闽D·12345 违法？", V.VIOLATIONS, "闽D12345", None, None),
    ("WZ 闽D1234O", V.VIOLATIONS, "闽D12340", None, None),  # O typed for 0: plates never use O
    ("WZ 粤B·D12345", V.VIOLATIONS, "粤BD12345", None, None),  # small new-energy
    ("WZ 粤B12345D", V.VIOLATIONS, "粤B12345D", None, None),  # large new-energy
    ("WZ 京A1234学", V.VIOLATIONS, "京A1234学", None, None),
    ("WZ 2", V.VIOLATIONS, None, None, 2),
    ("wz2", V.VIOLATIONS, None, None, 2),
    ("WZ　２", V.VIOLATIONS, None, None, 2),
    ("WZ page 2", V.VIOLATIONS, None, None, 2),
    ("违法 2", V.VIOLATIONS, None, None, 2),
    ("违法2", V.VIOLATIONS, None, None, 2),
    ("WZ 闽D12345 2", V.VIOLATIONS, "闽D12345", None, 2),
    ("WZ 闽D·12345，2", V.VIOLATIONS, "闽D12345", None, 2),
    # licence
    ("JSZ", V.LICENCE, None, None, None),
    ("jsz", V.LICENCE, None, None, None),
    ("ＪＳＺ。", V.LICENCE, None, None, None),
    ("驾驶证", V.LICENCE, None, None, None),
    ("驾照", V.LICENCE, None, None, None),
    ("驾驶证查询", V.LICENCE, None, None, None),
    ("查我的驾驶证", V.LICENCE, None, None, None),
    ("LICENCE", V.LICENCE, None, None, None),
    ("license", V.LICENCE, None, None, None),
    # vehicles
    ("CL", V.VEHICLES, None, None, None),
    ("cl", V.VEHICLES, None, None, None),
    ("车辆", V.VEHICLES, None, None, None),
    ("机动车", V.VEHICLES, None, None, None),
    ("VEHICLE", V.VEHICLES, None, None, None),
    ("vehicles", V.VEHICLES, None, None, None),
    ("CL 闽D·12345", V.VEHICLES, "闽D12345", None, None),
    ("车辆 闽D12345", V.VEHICLES, "闽D12345", None, None),
    # inspection
    ("JY", V.INSPECTION, None, None, None),
    ("检验", V.INSPECTION, None, None, None),
    ("年检", V.INSPECTION, None, None, None),
    ("JY 3", V.INSPECTION, None, None, 3),
    ("检验 闽D12345 1", V.INSPECTION, "闽D12345", None, 1),
    ("jy 闽d·12345 2", V.INSPECTION, "闽D12345", None, 2),
    ("INSPECTION", V.INSPECTION, None, None, None),
    # own exam applications
    ("KS", V.EXAMS, None, None, None),
    ("考试", V.EXAMS, None, None, None),
    ("ks。", V.EXAMS, None, None, None),
    ("我的考试", V.EXAMS, None, None, None),
    ("EXAMS", V.EXAMS, None, None, None),
    # booking an exam
    ("YY KM2", V.BOOK_EXAM, None, "KM2", None),
    ("yy km2", V.BOOK_EXAM, None, "KM2", None),
    ("ＹＹ　ＫＭ２", V.BOOK_EXAM, None, "KM2", None),
    ("YYKM2", V.BOOK_EXAM, None, "KM2", None),
    ("YY KM 2", V.BOOK_EXAM, None, "KM2", None),
    ("  yy   km2  2 ", V.BOOK_EXAM, None, "KM2", 2),
    ("YY KM2 2", V.BOOK_EXAM, None, "KM2", 2),
    ("YY KM2，2。", V.BOOK_EXAM, None, "KM2", 2),
    ("预约 KM2", V.BOOK_EXAM, None, "KM2", None),
    ("预约科目二", V.BOOK_EXAM, None, "KM2", None),
    ("预约考试 科目二", V.BOOK_EXAM, None, "KM2", None),
    ("预约科二 2", V.BOOK_EXAM, None, "KM2", 2),
    ("预约 科目2 3", V.BOOK_EXAM, None, "KM2", 3),
    ("YY KM1", V.BOOK_EXAM, None, "KM1", None),
    ("YY KM3", V.BOOK_EXAM, None, "KM3", None),
    ("YY KM3W", V.BOOK_EXAM, None, "KM3W", None),
    ("YY KM4", V.BOOK_EXAM, None, "KM3W", None),
    ("预约科目四", V.BOOK_EXAM, None, "KM3W", None),
    ("申请考试 科目三", V.BOOK_EXAM, None, "KM3", None),
    ("BOOK KM2 1", V.BOOK_EXAM, None, "KM2", 1),
    ("YY", V.BOOK_EXAM, None, None, None),
    # cancelling
    ("QX", V.CANCEL, None, None, None),
    ("取消", V.CANCEL, None, None, None),
    ("qx 1", V.CANCEL, None, None, 1),
    ("取消 2", V.CANCEL, None, None, 2),
    ("取消2。", V.CANCEL, None, None, 2),
    # help
    ("BZ", V.HELP, None, None, None),
    ("帮助", V.HELP, None, None, None),
    ("帮助？", V.HELP, None, None, None),
    ("HELP", V.HELP, None, None, None),
    ("help", V.HELP, None, None, None),
    ("菜单", V.HELP, None, None, None),
    # opting out and in
    ("TD", V.OPT_OUT, None, None, None),
    ("td", V.OPT_OUT, None, None, None),
    ("ＴＤ", V.OPT_OUT, None, None, None),
    ("T", V.OPT_OUT, None, None, None),
    ("t.", V.OPT_OUT, None, None, None),
    ("退订", V.OPT_OUT, None, None, None),
    ("退订。", V.OPT_OUT, None, None, None),
    ("我要退订", V.OPT_OUT, None, None, None),
    ("回复TD", V.OPT_OUT, None, None, None),
    ("TD\u200b", V.OPT_OUT, None, None, None),  # a zero-width space pasted from a chat app
    ("订阅", V.OPT_IN, None, None, None),
    ("订阅！", V.OPT_IN, None, None, None),
    ("STOP", V.PROVIDER_STOP, None, None, None),
    ("Stop", V.PROVIDER_STOP, None, None, None),
    ("UNSUBSCRIBE", V.PROVIDER_STOP, None, None, None),
    ("START", V.PROVIDER_START, None, None, None),
    ("start", V.PROVIDER_START, None, None, None),
    # confirmation
    ("Y", V.CONFIRM, None, None, None),
    ("y", V.CONFIRM, None, None, None),
    ("Ｙ", V.CONFIRM, None, None, None),
    ("yes", V.CONFIRM, None, None, None),
    ("确认", V.CONFIRM, None, None, None),
    ("确认。", V.CONFIRM, None, None, None),
    ("N", V.DECLINE, None, None, None),
    ("否", V.DECLINE, None, None, None),
]


@pytest.mark.parametrize(("text", "verb", "plate", "subject", "number"), VARIANTS)
def test_real_world_variants(text, verb, plate, subject, number):
    command = parse(text)
    assert (command.verb, command.plate, command.subject, command.number, command.problem) == (
        verb, plate, subject, number, None,
    )


@pytest.mark.parametrize(
    ("text", "language"),
    [("EN", "en"), ("en", "en"), ("English", "en"), ("英文", "en"), ("中文", "zh-CN"), ("ZH", "zh-CN"),
     ("中文。", "zh-CN")],
)
def test_reply_language(text, language):
    assert parse(text) == Command(Verb.LANGUAGE, language=language, hint=parse(text).hint)
    assert parse(text).language == language


@pytest.mark.parametrize(
    ("text", "last4"), [("123X", "123X"), ("123x", "123X"), ("１２３４", "1234"), (" 0456。", "0456")]
)
def test_last_four_of_an_id_number(text, last4):
    assert parse(text) == Command(Verb.LAST4, last4=last4)


def test_last_four_may_ride_along_with_a_keyword():
    assert parse("WZ 123X") == Command(Verb.VIOLATIONS, last4="123X")
    assert parse("YY KM2 2 0456").last4 == "0456"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", Problem.EMPTY),
        ("   ", Problem.EMPTY),
        ("。。。", Problem.EMPTY),
        ("hello", Problem.UNRECOGNISED),
        ("Thanks", Problem.UNRECOGNISED),  # not T (opt-out)
        ("Tomorrow", Problem.UNRECOGNISED),
        ("WZX", Problem.UNRECOGNISED),
        ("你好", Problem.UNRECOGNISED),
        ("WZ hello", Problem.UNRECOGNISED),
        ("WZ 1 2", Problem.UNRECOGNISED),
        ("WZ 12345", Problem.UNRECOGNISED),
        ("2", Problem.UNRECOGNISED),
        ("W" * 1601, Problem.TOO_LONG),
        ("违" * 1601, Problem.TOO_LONG),
        ("WZ\x00", Problem.CONTROL),
        ("WZ\x1b[31m", Problem.CONTROL),
        ("\x07", Problem.CONTROL),
    ],
)
def test_anything_else_is_unknown_with_the_reason(text, problem):
    command = parse(text)
    assert command.verb is Verb.UNKNOWN
    assert command.problem is problem


def test_exactly_1600_characters_is_still_read():
    assert parse("WZ" + " " * 1598).verb is Verb.VIOLATIONS


def test_line_breaks_and_tabs_are_spaces_not_control_characters():
    assert parse("WZ\r\n闽D12345\t2") == Command(Verb.VIOLATIONS, plate="闽D12345", number=2)


@pytest.mark.parametrize("text", ["WZ 闽D123", "CL 闽DI2", "违法 粤B·12"])
def test_a_broken_plate_is_named(text):
    command = parse(text)
    assert command.problem is Problem.BAD_PLATE
    assert command.plate is None


@pytest.mark.parametrize("value", [None, 42, b"WZ", ["WZ"]])
def test_not_a_string_is_unknown(value):
    assert parse(value).verb is Verb.UNKNOWN


def test_language_hints_follow_the_keyword_script():
    assert parse("违法").hint == "zh-CN"
    assert parse("VIOLATIONS").hint == "en"
    assert parse("WZ").hint is None  # pinyin initials say nothing about the language


def test_page_defaults_to_one():
    assert parse("WZ").page == 1
    assert parse("WZ 3").page == 3
    assert parse("WZ 0").page == 1


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("ｗｚ", "WZ"),
        ("违法，闽D·12345。", "违法 闽D 12345"),
        ("  yy   km2  2 ", "YY KM2 2"),
        ("“帮助”", "帮助"),
        ("【WZ】", "WZ"),
        ("WZ\u3000２", "WZ 2"),
        ("t\u00ad\u200dd", "TD"),
    ],
)
def test_normalise(text, normal):
    assert normalise(text) == normal


def test_a_short_text_read_again_gives_the_same_command_and_a_long_one_is_not_kept():
    from hotline.sms import grammar

    for text in ("WZ", "wz 2", "违法", "JY 闽A12345 1", "Y", "GH 13912345678", "1234", "YQ 1 2 3"):
        assert parse(text) == parse(text) == grammar._parse(text)
    long_text = "WZ " + "请" * 40
    kept = grammar._parse_kept.cache_info().currsize
    assert parse(long_text) == grammar._parse(long_text)
    assert grammar._parse_kept.cache_info().currsize == kept
