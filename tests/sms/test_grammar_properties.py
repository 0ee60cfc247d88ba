"""Property tests: no text makes the parser raise, and what it returns is always well formed."""

import string

from hypothesis import given, settings
from hypothesis import strategies as st

from hotline.domain.vehicles import PLATE_PROVINCES as PROVINCES
from hotline.sms.grammar import Command, Verb, parse
from hotline.sms.normalise import normalise

# Pieces real texts are made of, so the search spends its time near the grammar, not only on noise.
PIECES = st.sampled_from(
    ["WZ", "违法", "JSZ", "CL", "JY", "KS", "YY", "QX", "TD", "T", "订阅", "STOP", "KM2", "科目二", "闽D", "·",
     "12345", "D", "2", " ", "　", "，", "。", "ｗｚ", "123X", "Y", "确认", "EN", "中文",
     "\u200b", "\n", "查询", "我的"]
)
PLATES = st.builds(
    lambda p, letter, serial: f"{p}{letter}{serial}",
    st.sampled_from(PROVINCES),
    st.sampled_from("ABCDEFGHJKLMNPQRSTUVWXYZ"),
    st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", min_size=5, max_size=5),
)


def _well_formed(command: Command) -> None:
    assert isinstance(command, Command)
    assert isinstance(command.verb, Verb)
    if command.plate is not None:
        assert command.plate[0] in PROVINCES and len(command.plate) in (7, 8)
    if command.number is not None:
        assert 0 <= command.number <= 999
    assert command.page >= 1


@settings(max_examples=1500, deadline=None)
@given(st.text(max_size=300))
def test_no_text_makes_parse_raise(text):
    _well_formed(parse(text))


@settings(max_examples=1500, deadline=None)
@given(st.lists(PIECES, max_size=12).map("".join))
def test_no_mix_of_real_pieces_makes_parse_raise(text):
    _well_formed(parse(text))


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1601, max_size=2000))
def test_over_long_texts_are_never_processed(text):
    assert parse(text).verb is Verb.UNKNOWN


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=string.printable, max_size=60))
def test_normalise_is_idempotent(text):
    assert normalise(normalise(text)) == normalise(text)


@settings(max_examples=500, deadline=None)
@given(PLATES, st.sampled_from(["", " ", "·", "・", ".", "-"]), st.sampled_from(["WZ ", "违法", "CL ", "车辆"]))
def test_any_regular_plate_is_found_whatever_the_dot(plate, dot, keyword):
    command = parse(f"{keyword}{plate[:2]}{dot}{plate[2:]}")
    assert command.plate == plate
    assert command.verb in (Verb.VIOLATIONS, Verb.VEHICLES)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["WZ", "wz", "ｗｚ", "ＷＺ", "违法", "违章", "Violations"]),
       st.sampled_from(["", " ", "  ", "　", "。", "！", "?", "."]))
def test_width_case_and_trailing_punctuation_do_not_matter(keyword, tail):
    assert parse(keyword + tail).verb is Verb.VIOLATIONS
