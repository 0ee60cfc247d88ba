"""Facts spoken for a listener."""

from datetime import date, datetime

from hotline.clock import CHINA
from hotline.ivr import speech


def test_dates_have_no_leading_zeros_and_english_months_in_words():
    assert speech.spoken_date(date(2026, 12, 1), "zh-CN") == "2026年12月1日"
    assert speech.spoken_date("2026-03-05", "en") == "5 March 2026"
    assert speech.spoken_date(None, "zh-CN") == "长期有效"


def test_a_utc_timestamp_is_spoken_as_its_china_date():
    late = datetime(2026, 11, 30, 17, 0, tzinfo=CHINA).astimezone(CHINA).isoformat()
    assert speech.spoken_date("2026-11-30T17:30:00+00:00", "zh-CN") == "2026年12月1日"
    assert speech.spoken_date(late, "en") == "30 November 2026"


def test_times_in_the_morning_and_afternoon():
    assert speech.spoken_time("2026-12-01T09:00:00+08:00", "zh-CN") == "上午9点整"
    assert speech.spoken_time("2026-12-01T17:30:00+08:00", "zh-CN") == "下午5点30分"
    assert speech.spoken_time("2026-12-01T13:05:00+08:00", "en") == "1:05 PM"
    assert speech.spoken_weekday_date("2026-12-01", "en") == "Tuesday, 1 December 2026"


def test_amounts_in_yuan_and_jiao():
    assert speech.spoken_money(20000, "zh-CN") == "200元"
    assert speech.spoken_money(20050, "zh-CN") == "200元5角"
    assert speech.spoken_money(20005, "zh-CN") == "200元零5分"
    assert speech.spoken_money(20056, "en") == "200 yuan 5 jiao 6 fen"


def test_plates_character_by_character():
    assert speech.spoken_plate("闽D·12345", "zh-CN") == "闽，D，幺，二，三，四，五"
    assert speech.spoken_plate("粤BD12345", "en") == "Yue, B, D, 1, 2, 3, 4, 5"
