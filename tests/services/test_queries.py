"""Licence, vehicle and violation queries: the facts a caller hears, on fixed dates."""

from datetime import date, datetime

import pytest

from hotline.clock import CHINA
from hotline.services.queries import late_fee_fen, scoring_cycle
from hotline.services.statuses import licence_status_words, vehicle_status_words

# --- status words ----------------------------------------------------------------------------------


def test_licence_status_letters_read_in_both_languages():
    assert licence_status_words("A", "zh-CN") == ["正常"]
    assert licence_status_words("HM", "zh-CN") == ["违法未处理", "逾期未换证"]
    assert licence_status_words("HM", "en") == ["violation not handled", "renewal overdue"]
    assert licence_status_words("B", "zh-CN") == ["超分"]


def test_every_licence_letter_of_the_contract_has_words():
    for letter in "ABCDEFGHIJKLMNPRSTU":
        assert licence_status_words(letter, "zh-CN") != ["其他"], letter
        assert licence_status_words(letter, "en") != ["other"], letter


def test_every_vehicle_letter_of_the_contract_has_words():
    for letter in "ABCDEGHIJKLMNOPQ":
        assert vehicle_status_words(letter, "zh-CN") != ["其他"], letter
        assert vehicle_status_words(letter, "en") != ["other"], letter
    assert vehicle_status_words("AQ", "zh-CN") == ["正常", "逾期未检验"]
    assert vehicle_status_words("C", "en") == ["stolen or robbed"]


def test_an_unknown_capital_letter_reads_as_other_once():
    assert licence_status_words("Z", "zh-CN") == ["其他"]
    assert licence_status_words("AXZ", "en") == ["normal", "other"]
    # O and Q are licence letters nobody defined, F a vehicle letter nobody defined.
    assert licence_status_words("O", "zh-CN") == ["其他"]
    assert vehicle_status_words("F", "en") == ["other"]


def test_a_language_we_do_not_speak_is_an_error_not_a_guess():
    with pytest.raises(ValueError):
        licence_status_words("A", "fr")


# --- late fee --------------------------------------------------------------------------------------

SERVED = datetime(2026, 10, 1, 9, 30, tzinfo=CHINA)  # decision served on 1 October (China)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (0, 0),
        (15, 0),  # the last day to pay without a late fee
        (16, 600),  # 3 % of 200 yuan
        (17, 1200),  # 6 %
        (33, 20000 * 3 * 18 // 100),  # 54 %
        (49, 20000),  # 102 % would pass the fine: capped
        (50, 20000),
    ],
)
def test_late_fee_from_the_sixteenth_day(day, expected):
    today = date.fromordinal(SERVED.date().toordinal() + day)
    assert late_fee_fen(20000, SERVED, today) == expected


def test_the_service_day_is_the_china_date_not_the_utc_date():
    # 1 October 00:30 in China is still 30 September in UTC.
    served = datetime(2026, 10, 1, 0, 30, tzinfo=CHINA)
    assert late_fee_fen(10000, served, date(2026, 10, 16)) == 0
    assert late_fee_fen(10000, served, date(2026, 10, 17)) == 300


def test_late_fee_rounds_half_up_in_fen():
    # 3 % of 0.50 yuan is 1.5 fen: 2 fen. 3 % of 0.10 yuan is 0.3 fen: 0 fen.
    assert late_fee_fen(50, SERVED, date(2026, 10, 17)) == 2
    assert late_fee_fen(10, SERVED, date(2026, 10, 17)) == 0


def test_nothing_is_owed_late_when_revoked_paid_undecided_or_free():
    late = date(2026, 11, 24)
    assert late_fee_fen(20000, SERVED, late, revoked=True) == 0
    assert late_fee_fen(20000, SERVED, late, paid=True) == 0
    assert late_fee_fen(20000, None, late) == 0
    assert late_fee_fen(0, SERVED, late) == 0


# --- scoring cycle ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first_issued", "today", "cycle"),
    [
        (date(2015, 3, 15), date(2026, 11, 24), (date(2026, 3, 15), date(2027, 3, 14))),
        (date(2015, 3, 15), date(2026, 3, 14), (date(2025, 3, 15), date(2026, 3, 14))),
        (date(2015, 3, 15), date(2026, 3, 15), (date(2026, 3, 15), date(2027, 3, 14))),
        (date(2026, 6, 1), date(2026, 11, 24), (date(2026, 6, 1), date(2027, 5, 31))),  # the first cycle
        (date(2010, 1, 1), date(2026, 12, 31), (date(2026, 1, 1), date(2026, 12, 31))),
    ],
)
def test_scoring_cycle_is_twelve_months_from_the_first_issue(first_issued, today, cycle):
    assert scoring_cycle(first_issued, today) == cycle


@pytest.mark.parametrize(
    ("today", "cycle"),
    [
        (date(2024, 2, 29), (date(2024, 2, 29), date(2025, 2, 28))),
        (date(2025, 2, 28), (date(2024, 2, 29), date(2025, 2, 28))),
        (date(2025, 3, 1), (date(2025, 3, 1), date(2026, 2, 28))),
        (date(2026, 11, 24), (date(2026, 3, 1), date(2027, 2, 28))),
        (date(2028, 2, 28), (date(2027, 3, 1), date(2028, 2, 28))),
        (date(2028, 2, 29), (date(2028, 2, 29), date(2029, 2, 28))),
    ],
)
def test_a_licence_first_issued_on_29_february_ends_every_cycle_on_28_february(today, cycle):
    assert scoring_cycle(date(2024, 2, 29), today) == cycle
