"""Validation of record values: valid and invalid examples of each form, and readable reasons."""

from datetime import UTC, date, datetime

import pytest

from hotline import validation as v
from hotline.validation import InvalidValue
from tests.factories import valid_id_number, valid_org_code


def _reason(check, *args, **kwargs) -> str:
    with pytest.raises(InvalidValue) as caught:
        check(*args, **kwargs)
    assert isinstance(caught.value, ValueError)
    return caught.value.reason


# --- resident ID numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("35020319900101123X", "35020319900101123X"),
        ("35020319900101123x", "35020319900101123X"),
        (" 350206198505174563 ", "350206198505174563"),
        ("110101200109092468", "110101200109092468"),
        ("440305195511201350", "440305195511201350"),
    ],
)
def test_valid_id_numbers_come_back_normalised(raw, expected):
    assert v.id_number(raw) == expected


@pytest.mark.parametrize(
    "raw, words",
    [
        ("350203199001011238", "check character is 8, the first 17 digits give X"),
        ("35020319900101123", "18 characters, this has 17"),
        ("3502031990010112300", "18 characters, this has 19"),
        ("35020319900101123Y", "17 digits followed by a digit or X"),
        ("990203199001011230", "99 is not a region code"),
        ("350203199002301230", "19900230 is not a valid birth date"),
        ("350203180001011230", "not a plausible birth date"),
        (350203199001011230, "must be a string"),
    ],
)
def test_invalid_id_numbers_say_why(raw, words):
    assert words in _reason(v.id_number, raw)


def test_id_number_born_after_today_is_refused_when_today_is_known():
    future = valid_id_number(birth=date(2030, 1, 1))
    assert v.id_number(future) == future
    assert "not a plausible birth date" in _reason(v.id_number, future, today=date(2026, 11, 24))


def test_generated_id_numbers_are_valid_and_carry_their_birth_date():
    number = valid_id_number(birth=date(1962, 2, 28), region="110101", seq=7)
    assert number.startswith("11010119620228007")
    assert v.birth_date_of(number) == date(1962, 2, 28)
    assert number[-1] == v.id_check_char(number[:17])


def test_check_char_of_the_standard_example():
    # GB 11643's worked example: 11010519491231002 -> X
    assert v.id_check_char("11010519491231002") == "X"


def test_error_names_the_field_it_was_given():
    with pytest.raises(InvalidValue) as caught:
        v.id_number("123", "driver_id_number")
    assert caught.value.field == "driver_id_number"
    assert str(caught.value).startswith("driver_id_number: ")


# --- unified social credit codes --------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["91350200000000001R", "91350100M000100Y43", "91350100m000100y43"])
def test_valid_credit_codes(raw):
    assert v.org_code(raw) == raw.upper()


@pytest.mark.parametrize(
    "raw, words",
    [
        ("91350200000000001A", "check character is A, the first 17 characters give R"),
        ("9135020000000001R", "18 characters, this has 17"),
        ("91350200000000O01R", "O cannot occur"),
        ("91AB0200000000001R", "region code and must be digits"),
    ],
)
def test_invalid_credit_codes_say_why(raw, words):
    assert words in _reason(v.org_code, raw)


def test_generated_credit_codes_are_valid():
    code = valid_org_code()
    assert v.org_code(code) == code
    assert code[-1] == v.usc_check_char(code[:17])


def test_party_key_takes_either_kind_of_number():
    assert v.party_key("35020319900101123X", "owner") == "35020319900101123X"
    assert v.party_key("91350200000000001R", "owner") == "91350200000000001R"
    assert "neither a resident ID number nor a unified social credit code" in _reason(
        v.party_key, "91350200000000001A", "owner"
    )


# --- plates -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("闽D12345", "闽D12345"),
        ("闽D·12345", "闽D12345"),
        ("闽D.12345", "闽D12345"),
        ("闽D•12345", "闽D12345"),
        ("闽d12345", "闽D12345"),
        ("闽DD12345", "闽DD12345"),  # small new energy
        ("闽DFA1234", "闽DFA1234"),
        ("闽D12345D", "闽D12345D"),  # large new energy
        ("粤B1234挂", "粤B1234挂"),
        ("京A1234学", "京A1234学"),
        ("粤Z1234港", "粤Z1234港"),
    ],
)
def test_valid_plates(raw, expected):
    assert v.plate(raw) == expected


@pytest.mark.parametrize(
    "raw, words",
    [
        ("X D12345", "not a province abbreviation"),
        ("闽D1234", "7 characters (8 for new energy), this has 6"),
        ("闽D1234567", "this has 9"),
        ("闽DI2345", "letters I and O never occur"),
        ("闽D12O45", "letters I and O never occur"),
        ("闽DA12345", "not a new-energy plate"),
        ("闽D12345A", "not a new-energy plate"),
        ("闽112345", "not a plate"),
        ("闽D1234挂X", "not a new-energy plate"),
    ],
)
def test_invalid_plates_say_why(raw, words):
    assert words in _reason(v.plate, raw)


@pytest.mark.parametrize("raw", ["01", "02", "51", "52"])
def test_plate_types(raw):
    assert v.plate_type(raw) == raw


@pytest.mark.parametrize("raw", ["2", "99", 2, ""])
def test_invalid_plate_types(raw):
    assert _reason(v.plate_type, raw)


def test_new_energy_plates_go_with_new_energy_types():
    v.plate_matches_type("闽DD12345", "52")
    v.plate_matches_type("闽D12345", "02")
    assert "its type is 51 or 52" in _reason(v.plate_matches_type, "闽DD12345", "02")
    assert "new-energy plate with 8 characters" in _reason(v.plate_matches_type, "闽D12345", "52")


# --- VIN, engine, vehicle kind ----------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["LSVAU2182K2123456", "lgxce6cb6p0654321", "LZZ1BLSF7GW778899"])
def test_valid_vins_check_digit_not_enforced(raw):
    assert v.vin(raw) == raw.upper()


@pytest.mark.parametrize("raw", ["1M8GDM9AXKP042788", "11111111111111111", "LSVAU2182K2123456"])
def test_vin_check_digit_gb16735_iso3779(raw):
    # The first two are the worked examples of the North American rule, which ISO 3779 and GB 16735 share.
    assert v.vin_check_digit(raw) == raw[8]
    assert v.vin_check_digit(raw[:8] + ("0" if raw[8] != "0" else "1") + raw[9:]) == raw[8]  # position 9 weighs 0


@pytest.mark.parametrize(
    "raw, words",
    [
        ("LSVAU2182K212345", "17 characters, this has 16"),
        ("LSVAU2182K21234567", "this has 18"),
        ("LSVAU2182K212345I", "other than I, O and Q"),
        ("LSVAU2182K212345Q", "other than I, O and Q"),
        ("LSVOU2182K2123456", "other than I, O and Q"),
    ],
)
def test_invalid_vins(raw, words):
    assert words in _reason(v.vin, raw)


def test_engine_and_vehicle_kind():
    assert v.engine_last6("a12345") == "A12345"
    assert v.vehicle_kind("k33") == "K33"
    assert _reason(v.engine_last6, "12345")
    assert "GA 802" in _reason(v.vehicle_kind, "car")


# --- phone numbers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw", ["+8613800138000", "13800138000", "138 0013 8000", "+86 138 0013 8000", "138-0013-8000", "008613800138000"]
)
def test_the_same_mobile_written_many_ways(raw):
    assert v.phone(raw) == "+8613800138000"


def test_foreign_mobile_numbers_keep_their_country():
    assert v.phone("+44 7911 123456") == "+447911123456"


@pytest.mark.parametrize(
    "raw, words",
    [
        ("010 6552 9988", "not a mobile number"),
        ("+86 592 1234567", "not a mobile number"),
        ("12345", "not a valid phone number"),
        ("not a number", "not a phone number"),
        ("10086", "not a valid phone number"),
        (13800138000, "must be a string"),
    ],
)
def test_invalid_or_landline_numbers_are_refused(raw, words):
    assert words in _reason(v.phone, raw)


def test_landline_accepted_where_no_text_is_needed():
    assert v.phone("010 6552 9988", mobile=False) == "+861065529988"


# --- dates, timestamps, numbers ---------------------------------------------------------------------


def test_dates():
    assert v.calendar_date("2026-02-28", "first_issued") == date(2026, 2, 28)
    assert "not a real date" in _reason(v.calendar_date, "2026-02-29", "first_issued")
    assert "YYYY-MM-DD" in _reason(v.calendar_date, "2026/02/28", "first_issued")
    assert "YYYY-MM-DD" in _reason(v.calendar_date, "2026-02-28T00:00:00+08:00", "first_issued")


def test_timestamps_need_an_offset_and_come_back_in_utc():
    assert v.timestamp("2026-11-20T10:00:00+08:00", "recorded_at") == datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    assert v.timestamp("2026-11-20T02:00:00Z", "recorded_at") == datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    assert "has no offset" in _reason(v.timestamp, "2026-11-20T10:00:00", "recorded_at")
    assert "not an ISO 8601 timestamp" in _reason(v.timestamp, "yesterday", "recorded_at")
    assert "not an ISO 8601 timestamp" in _reason(v.timestamp, "2026-11-20T25:00:00+08:00", "recorded_at")


def test_integers_booleans_and_money():
    assert v.integer(6, "points", minimum=0, maximum=99) == 6
    assert "at most 99" in _reason(v.integer, 100, "points", minimum=0, maximum=99)
    assert "whole number" in _reason(v.integer, True, "points")
    assert "whole number" in _reason(v.integer, "6", "points")
    assert v.boolean(False, "paid") is False
    assert "true or false" in _reason(v.boolean, "no", "paid")
    assert v.yuan_to_fen(200, "fine_cny") == 20000
    assert v.yuan_to_fen(0, "fine_cny") == 0
    assert v.yuan_to_fen(0.125, "fine_cny") == 13  # half up
    assert "0 or more" in _reason(v.yuan_to_fen, -1, "fine_cny")
    assert "amount in yuan" in _reason(v.yuan_to_fen, "200", "fine_cny")


def test_pin_must_be_six_digits_as_text():
    assert v.pin("012345") == "012345"
    for bad in ("12345", "1234567", "12a456", 123456):
        assert "6 digits" in _reason(v.pin, bad)


# --- licences and statuses --------------------------------------------------------------------------


def test_licence_classes():
    assert v.licence_classes(["A2", "d"]) == ["A2", "D"]
    assert "non-empty list" in _reason(v.licence_classes, [])
    assert "non-empty list" in _reason(v.licence_classes, "C1")
    assert "not a licence class" in _reason(v.licence_classes, ["C9"])
    assert "twice" in _reason(v.licence_classes, ["C1", "C1"])


def test_status_letters():
    assert v.status_letters("A") == "A"
    assert v.status_letters("HM") == "HM"
    assert v.status_letters("Z") == "Z"  # an unnamed letter is accepted, read as 其他
    assert "not status letters" in _reason(v.status_letters, "a")
    assert "not status letters" in _reason(v.status_letters, "")
    assert "repeats" in _reason(v.status_letters, "HH")


def test_choices_name_the_options():
    assert "internet" in _reason(v.choice, "web", "account", ("none", "internet", "window"))
    assert v.language("en") == "en"
    assert v.subject("KM3W") == "KM3W"
    assert _reason(v.subject, "KM4")


# --- hostile input: a named error, never a crash, and nothing stored in a form no one can match --------

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def test_an_id_number_with_full_width_digits_is_refused_with_a_reason():
    good = valid_id_number(birth=date(1990, 1, 1))
    mixed = good[:2] + good[2:17].translate(FULL_WIDTH) + good[17]
    assert "17 digits followed by a digit or X" in _reason(v.id_number, mixed)
    assert "neither" in _reason(v.party_key, mixed, "owner")


def test_plates_and_pins_take_only_ascii_digits():
    # Stored with full-width digits, a plate would never match what a caller types or an SMS carries.
    for raw in ("闽D" + "12345".translate(FULL_WIDTH) + "D", "闽DD" + "12345".translate(FULL_WIDTH)):
        assert "new-energy plate" in _reason(v.plate, raw)
    assert "6 digits" in _reason(v.pin, "135790".translate(FULL_WIDTH))


@pytest.mark.parametrize("raw", ["0001-01-01T00:00:00+08:00", "9999-12-31T23:00:00-08:00"])
def test_timestamps_at_the_ends_of_the_calendar_are_refused_not_a_crash(raw):
    assert "plausible" in _reason(v.timestamp, raw, "recorded_at")


@pytest.mark.parametrize("raw", ["9999-06-01", "0001-01-01", "1899-12-31"])
def test_dates_far_outside_any_record_are_refused(raw):
    # Later arithmetic (a permit's 3 years, a fine's 16 days) would overflow on them.
    assert "plausible" in _reason(v.calendar_date, raw, "permit_issued")
    assert v.calendar_date("2199-12-31", "valid_until") == date(2199, 12, 31)


def test_text_with_a_nul_byte_is_refused():
    # PostgreSQL cannot store NUL in text: let the record be refused by name, not the batch fail.
    assert "control character" in _reason(v.text, "林\x00明", "name")
    assert "control character" in _reason(v.person_name, "林\x1b明")
    assert v.text(" 厦门\t思明区 ", "location") == "厦门\t思明区"


def test_a_huge_amount_is_refused_not_a_crash():
    assert "at most" in _reason(v.yuan_to_fen, 10**30, "fine_cny")
    assert "at most" in _reason(v.yuan_to_fen, 1e300, "fine_cny")
    assert v.yuan_to_fen(10_000_000, "fine_cny") == 1_000_000_000


@pytest.mark.parametrize("raw", ["1380013" + "8000".translate(FULL_WIDTH), "+86138001380" + "00".translate(FULL_WIDTH)])
def test_a_mobile_with_some_full_width_digits_is_stored_in_ascii(raw):
    assert v.phone(raw) == "+8613800138000"


def test_a_plate_written_with_an_ideographic_space_is_the_same_plate():
    assert v.plate("闽D\u300012345") == "闽D12345"


@pytest.mark.parametrize("raw", ["010 6552 9988", "+86 592 1234567", "1380013800"])
def test_a_refused_phone_number_is_shown_masked(raw):
    reason = _reason(v.phone, raw)
    digits = "".join(char for char in raw if char.isdigit())
    assert digits[-4:] in reason  # enough for the upstream to find the line's number
    assert digits[-8:-4] not in reason.replace(" ", "")


@pytest.mark.parametrize("raw", ["沪A1234领", "使014578", "京X1234应急", "粤Z1234港", "粤Z123A澳"])
def test_consulate_embassy_emergency_and_cross_border_plates_are_accepted_ga36(raw):
    assert v.plate(raw) == raw


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("闽D1234港", "粤Z only"),  # 港/澳 plates only from 粤Z
        ("京A1234澳", "粤Z only"),
        ("闽DABCDE", "only letters"),  # an all-letter serial is never issued
        ("京XABCD应急", "emergency plate"),
    ],
)
def test_cross_border_plates_outside_yue_z_and_all_letter_serials_are_refused_ga36(raw, words):
    with pytest.raises(InvalidValue, match=words):
        v.plate(raw)


def test_emergency_plate_is_not_taken_for_a_new_energy_plate_ga36():
    v.plate_matches_type("京X1234应急", "01")


def test_a_consulate_car_is_imported_and_found_by_its_plate_ga36(session):
    from sqlalchemy import select

    from hotline.db import Vehicle
    from tests.factories import person, store, vehicle

    p = person()
    store(session, p, vehicle(p, plate="沪A1234领", plate_type="04"), vehicle(p, plate="使014578", plate_type="03"))
    assert sorted(session.scalars(select(Vehicle.plate))) == ["使014578", "沪A1234领"]
