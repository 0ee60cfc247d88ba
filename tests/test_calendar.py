"""Working days come from the holiday file: holidays are off, make-up weekend days (调休) are on."""

from datetime import date

from hotline.calendar import WorkCalendar
from hotline.config import Settings
from hotline.services.exams import window_deadline

CALENDAR = WorkCalendar.load(Settings().holidays_file)


def test_national_day_week_is_off_and_its_make_up_saturday_is_on():
    assert not CALENDAR.is_working_day(date(2026, 10, 1))  # Thursday, National Day
    assert not CALENDAR.is_working_day(date(2026, 10, 7))  # Wednesday, still the holiday
    assert CALENDAR.is_working_day(date(2026, 10, 8))  # Thursday, back to work
    assert CALENDAR.is_working_day(date(2026, 10, 10))  # Saturday, make-up working day
    assert not CALENDAR.is_working_day(date(2026, 10, 11))  # an ordinary Sunday


def test_ordinary_weekdays_and_weekends():
    assert CALENDAR.is_working_day(date(2026, 11, 24))  # Tuesday
    assert not CALENDAR.is_working_day(date(2026, 11, 28))  # Saturday


def test_previous_working_day_skips_the_holiday_week():
    assert CALENDAR.previous_working_day(date(2026, 10, 8)) == date(2026, 9, 30)


def test_previous_working_day_lands_on_a_make_up_saturday():
    assert CALENDAR.previous_working_day(date(2026, 10, 12)) == date(2026, 10, 10)


def test_next_working_day_skips_the_holiday_week():
    assert CALENDAR.next_working_day(date(2026, 9, 30)) == date(2026, 10, 8)
    assert CALENDAR.next_working_day(date(2026, 10, 9)) == date(2026, 10, 10)


def test_three_working_days_before_counts_only_working_days():
    # The usual booking close for an exam on Thursday 8 October: 30 Sep, 29 Sep, 28 Sep.
    assert CALENDAR.working_days_before(date(2026, 10, 8), 3) == date(2026, 9, 28)
    # Tuesday 13 October: Monday 12, Saturday 10 (make-up), Friday 9.
    assert CALENDAR.working_days_before(date(2026, 10, 13), 3) == date(2026, 10, 9)


def test_window_deadline_is_the_last_working_day_before_the_exam():
    assert window_deadline(CALENDAR, date(2026, 10, 8)) == date(2026, 9, 30)
    assert window_deadline(CALENDAR, date(2026, 10, 12)) == date(2026, 10, 10)
    assert window_deadline(CALENDAR, date(2026, 11, 30)) == date(2026, 11, 27)  # Monday -> Friday


def test_a_calendar_without_a_file_falls_back_to_weekdays(tmp_path):
    path = tmp_path / "empty.json"
    path.write_text("{}", encoding="utf-8")
    calendar = WorkCalendar.load(path)
    assert calendar.is_working_day(date(2026, 10, 1))
    assert calendar.previous_working_day(date(2026, 10, 12)) == date(2026, 10, 9)
