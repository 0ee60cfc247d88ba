"""One mobile-number check for the whole hotline (hotline/phones.py, on phonenumbers).

An import, the notice planner and the log masking used to hold a pattern each of what a mainland mobile
looks like (`1[3-9]` and nine digits). The patterns took ranges no carrier has given out (154, 140 for
data-only SIMs) for mobiles, and went out of date as ranges opened; now every door asks the same function.
"""

from __future__ import annotations

import pytest

from hotline import phones, validation
from hotline.masking import mask_text
from hotline.notify.planner import is_mobile

MOBILES = ["+8613800138000", "+8614512345678", "+8616212345678", "+8619212345678", "+8617012345678"]
NOT_MOBILES = [
    "+8615412345678",  # 154: a range no carrier has been given
    "+8614012345678",  # 140: data-only SIMs, which take no texts
    "+8610012345678",  # no mainland mobile starts 10
    "+861065529988",  # a Beijing landline
    "+8612123",  # the hotline itself, a service number
]


def _masked(e164: str) -> bool:
    national = e164.removeprefix("+86")
    return national not in mask_text(f"call from {national} at 10:00")


def _imported(e164: str) -> bool:
    try:
        validation.phone(e164)
    except validation.InvalidValue:
        return False
    return True


@pytest.mark.parametrize("number", MOBILES + NOT_MOBILES)
def test_an_import_the_notice_planner_and_the_log_masking_agree_on_what_a_mobile_is(number):
    expected = number in MOBILES
    assert phones.is_mobile(number) is expected
    assert _imported(number) is expected, "import"
    assert is_mobile(number) is expected, "notice planner"
    assert _masked(number) is expected, "log masking"


@pytest.mark.parametrize("written", ["13800138000", "+86 138 0013 8000", "138-0013-8000", "(+86)13800138000",
                                     "+８６１３８００１３８０００"])
def test_a_mobile_written_the_ways_people_write_it_reads_as_one_number(written):
    number = phones.read(written)
    assert number is not None and number.e164 == "+8613800138000" and number.mobile


@pytest.mark.parametrize("value", ["+8613800138000", "+8612123", "+12025550123"])
def test_twilio_numbers_in_e164_are_read(value):
    assert phones.from_twilio(value).e164 == value


@pytest.mark.parametrize("value", ["client:alice", "anonymous", "", "+", "13800138000", "+86 13800138000",
                                   "+８６１３８００１３８０００", "+" + "8" * 16, "sip:alice@example.com"])
def test_what_twilio_sends_when_no_telephone_is_on_the_line_is_no_number(value):
    assert phones.from_twilio(value) is None


def test_a_huge_string_is_no_number_and_stays_out_of_the_cache():
    before = phones._read.cache_info().currsize
    assert phones.read("1" * 400_000) is None
    assert phones._read.cache_info().currsize == before
