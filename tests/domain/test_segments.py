import pytest

from hotline.domain.segments import count, segments


@pytest.mark.parametrize(
    ("text", "encoding", "expected"),
    [
        ("", "GSM-7", 1),
        ("a" * 160, "GSM-7", 1),
        ("a" * 161, "GSM-7", 2),
        ("a" * 306, "GSM-7", 2),
        ("a" * 307, "GSM-7", 3),
        ("中" * 70, "UCS-2", 1),
        ("中" * 71, "UCS-2", 2),
        ("中" * 134, "UCS-2", 2),
        ("中" * 135, "UCS-2", 3),
        ("a" * 159 + "中", "UCS-2", 3),
    ],
)
def test_segment_limits(text, encoding, expected):
    result = count(text)
    assert (result.encoding, result.segments) == (encoding, expected)


def test_extension_characters_take_two_septets():
    assert count("{" * 80).units == 160
    assert segments("{" * 80) == 1
    assert segments("{" * 81) == 2


def test_an_escape_pair_is_never_split_across_parts():
    # 152 plain septets then an escape pair: the pair moves to the second part.
    text = "a" * 152 + "€" + "a" * 152
    assert count(text).units == 306
    assert segments(text) == 3


def test_emoji_counts_two_utf16_units_in_ucs2():
    assert count("中" * 69 + "😀").units == 71
    assert segments("中" * 69 + "😀") == 2


def test_signature_brackets_force_ucs2():
    assert count("【交管12123】您的验证码是123456").encoding == "UCS-2"
