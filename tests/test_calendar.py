"""Working days come from the holiday file: holidays are off, make-up weekend days (调休) are on."""

import io
import logging
from datetime import date, datetime, timedelta

from hotline.calendar import WorkCalendar
from hotline.clock import CHINA
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


# --- coverage: the official State Council schedules, and a loud end ---------------------------------


def _years_covered(calendar: WorkCalendar) -> range:
    return range(calendar.covered_from.year, calendar.covered_until.year + 1)


def test_the_file_states_whole_covered_years_2024_to_2026():
    assert (CALENDAR.covered_from, CALENDAR.covered_until) == (date(2024, 1, 1), date(2026, 12, 31))
    listed = {d.year for d in CALENDAR.holidays | CALENDAR.workdays}
    assert listed == set(_years_covered(CALENDAR)), "a listed day outside `covers` would be half a year"


def test_every_covered_day_matches_the_chinesecalendar_package_state_council_schedule():
    # The package transcribes the same 国务院办公厅 notices; compare every day of every year both cover.
    import chinese_calendar
    from chinese_calendar.constants import holidays as package_holidays

    package_years = {d.year for d in package_holidays}
    both = [y for y in _years_covered(CALENDAR) if y in package_years]
    assert both, "no year in common with chinesecalendar"
    wrong = []
    for year in both:
        day = date(year, 1, 1)
        while day.year == year:
            if CALENDAR.is_working_day(day) != chinese_calendar.is_workday(day):
                wrong.append(day)
            day += timedelta(days=1)
    assert wrong == []


def test_spring_festival_2025_and_its_make_up_sunday_follow_the_state_council_notice():
    # 国办发明电〔2024〕12号: 1月28日至2月4日放假调休，1月26日（周日）、2月8日（周六）上班.
    assert not CALENDAR.is_working_day(date(2025, 1, 28))
    assert not CALENDAR.is_working_day(date(2025, 2, 4))  # Tuesday, still the holiday
    assert CALENDAR.is_working_day(date(2025, 1, 26))  # Sunday, make-up working day
    assert CALENDAR.previous_working_day(date(2025, 2, 5)) == date(2025, 1, 27)


def test_calendar_is_degraded_from_60_days_before_its_end():
    assert not CALENDAR.degraded(date(2026, 11, 1))  # 60 days left
    assert CALENDAR.degraded(date(2026, 11, 2))  # 59 days left
    assert CALENDAR.degraded(date(2027, 1, 5))  # past the end: weekday guesses only
    assert CALENDAR.days_left(date(2026, 12, 3)) == 28


def test_healthz_reports_the_calendar_degraded_60_days_before_its_end(client, clock):
    clock.set(datetime(2026, 12, 3, 9, 0, tzinfo=CHINA))
    lines = io.StringIO()
    handler = logging.StreamHandler(lines)
    logging.getLogger("hotline.web").addHandler(handler)
    try:
        response = client.get("/healthz")
    finally:
        logging.getLogger("hotline.web").removeHandler(handler)
    assert response.status_code == 200  # the service still answers; the calendar is a warning
    assert response.json == {"status": "degraded", "checks": {"database": "ok", "redis": "ok", "calendar": "degraded"}}
    assert "working-day calendar degraded: covers 2024-01-01 to 2026-12-31" in lines.getvalue()

    clock.set(datetime(2026, 10, 1, 9, 0, tzinfo=CHINA))
    assert client.get("/healthz").json["checks"]["calendar"] == "ok"


def test_metrics_show_the_calendar_days_left_and_degraded(client, clock, settings):
    clock.set(datetime(2026, 12, 3, 9, 0, tzinfo=CHINA))
    body = client.get("/metrics", headers={"Authorization": f"Bearer {settings.metrics_token}"}).get_data(as_text=True)
    assert "hotline_calendar_days_left 28.0" in body
    assert "hotline_calendar_degraded 1.0" in body


def test_flask_calendar_check_prints_the_coverage_and_fails_when_degraded(app, clock):
    runner = app.test_cli_runner()
    clock.set(datetime(2026, 12, 3, 9, 0, tzinfo=CHINA))
    result = runner.invoke(args=["calendar", "check"])
    assert "covers: 2024-01-01 to 2026-12-31 (2024, 2025, 2026)" in result.output
    assert "DEGRADED on 2026-12-03: 28 days" in result.output
    assert result.exit_code == 1
    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=CHINA))
    result = runner.invoke(args=["calendar", "check"])
    assert result.exit_code == 0 and "ok on 2026-03-02" in result.output
