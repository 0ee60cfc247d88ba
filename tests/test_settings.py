"""The settings model (hotline/config.py): read once, typed, every setting named as ARCHITECTURE.md names it,
and a value of the wrong form refused at start with the variable's name."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, time
from pathlib import Path

import pytest

from hotline.clock import CHINA
from hotline.config import ConfigError, DailyHours, Settings
from hotline.notify import policies

ROOT = Path(__file__).resolve().parent.parent

# The names the project's architecture promises to operators (ARCHITECTURE.md, "Settings").
PROMISED = (
    "HOTLINE_ENV HOTLINE_DATABASE_URL HOTLINE_REDIS_URL HOTLINE_PUBLIC_URL HOTLINE_API_TOKEN HOTLINE_METRICS_TOKEN "
    "HOTLINE_PIN_PEPPER TWILIO_ACCOUNT_SID TWILIO_AUTH_TOKEN TWILIO_FROM_NUMBER TWILIO_MESSAGING_SERVICE_SID "
    "HOTLINE_TWILIO_API_URL HOTLINE_AGENT_NUMBER HOTLINE_OFFICE_HOURS HOTLINE_HOLIDAYS_FILE HOTLINE_SMS_SIGNATURE "
    "HOTLINE_SEND_WINDOW HOTLINE_DAILY_CAP HOTLINE_SENDER_SEGMENTS_PER_SECOND HOTLINE_VOICE_ZH HOTLINE_VOICE_EN"
).split()


def test_every_promised_variable_is_a_setting_and_every_setting_says_what_it_means():
    names = [info.alias for info in Settings.model_fields.values()]
    assert set(PROMISED) <= set(names)
    assert all(name.startswith(("HOTLINE_", "TWILIO_")) for name in names)
    assert all(info.description for info in Settings.model_fields.values())


def test_windows_hours_scan_time_and_retry_codes_are_typed_values_read_once():
    settings = Settings.from_env(
        {
            "HOTLINE_SEND_WINDOW": "07:30-24:00",
            "HOTLINE_OFFICE_HOURS": "09:00-17:00",
            "HOTLINE_SCAN_AT": "06:15",
            "HOTLINE_NOTICE_RETRY_ERROR_CODES": "30003, 30005,",
        }
    )
    assert settings.send_window == DailyHours(time(7, 30), None)  # 24:00: up to midnight
    assert settings.office_hours == DailyHours(time(9), time(17))
    assert settings.scan_at == time(6, 15)
    assert settings.notice_retry_error_codes == frozenset({"30003", "30005"})
    assert policies.in_window(settings, datetime(2026, 11, 24, 23, 59, tzinfo=CHINA))
    assert not policies.in_window(settings, datetime(2026, 11, 24, 7, 29, tzinfo=CHINA))


def test_the_environment_form_of_the_settings_gives_the_same_settings():
    settings = Settings(send_window="00:00-24:00", validate_signatures=False, notice_retry_error_codes="30008")
    assert settings.environ()["HOTLINE_SEND_WINDOW"] == "00:00-24:00"
    assert Settings.from_env(settings.environ()) == settings


def test_a_copy_with_changes_is_validated_like_any_settings():
    settings = Settings()
    assert settings.replace(send_window="06:00-22:00").send_window == DailyHours(time(6), time(22))
    with pytest.raises(ConfigError, match="HOTLINE_SEND_WINDOW must be HH:MM-HH:MM"):
        settings.replace(send_window="22:00-06:00")


def test_the_process_environment_is_read_by_from_env_only(monkeypatch):
    monkeypatch.setenv("HOTLINE_DAILY_CAP", "6")
    monkeypatch.setenv("HOTLINE_WEB_WORKERS", "3")  # gunicorn's, not ours: left alone
    assert Settings.from_env().daily_cap == 6
    assert Settings().daily_cap == 4  # what a test or a tool builds is exactly what it names


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("HOTLINE_SEND_WINDOW", "21:00-08:00", "HOTLINE_SEND_WINDOW must be HH:MM-HH:MM"),
        ("HOTLINE_SEND_WINDOW", "8-21", "HOTLINE_SEND_WINDOW must be HH:MM-HH:MM"),
        ("HOTLINE_OFFICE_HOURS", "08:30", "HOTLINE_OFFICE_HOURS must be HH:MM-HH:MM"),
        ("HOTLINE_SCAN_AT", "7.30", "HOTLINE_SCAN_AT must be a time of day"),
        ("HOTLINE_NOTICE_RETRY_ERROR_CODES", "30003;30008", "HOTLINE_NOTICE_RETRY_ERROR_CODES must be error codes"),
        ("HOTLINE_DAILY_CAP", "４", "HOTLINE_DAILY_CAP must be a whole number written with 0-9"),
        ("HOTLINE_TWILIO_TIMEOUT_SECONDS", "nan", "HOTLINE_TWILIO_TIMEOUT_SECONDS must be a number"),
        ("HOTLINE_VALIDATE_SIGNATURES", "maybe", "HOTLINE_VALIDATE_SIGNATURES must be true or false"),
        ("HOTLINE_NOTICE_BATCH_SIZE", "0", "HOTLINE_NOTICE_BATCH_SIZE"),
        ("HOTLINE_SMS_GATEWAY", "pigeon", "HOTLINE_SMS_GATEWAY"),
    ],
)
def test_a_value_of_the_wrong_form_is_refused_with_the_variables_name(variable, value, message):
    with pytest.raises(ConfigError, match=message):
        Settings.from_env({variable: value})


def test_a_setting_that_does_not_exist_is_refused_not_ignored():
    with pytest.raises(ConfigError, match="send_windwo is not a setting"):
        Settings(send_windwo="00:00-24:00")


def test_a_send_window_of_the_wrong_form_stops_the_start_with_exit_code_2(tmp_path):
    """Not the first notice of the day failing on it: the app does not start, and says why."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("HOTLINE_", "TWILIO_"))}
    env.update(
        HOTLINE_DATABASE_URL=f"sqlite:///{tmp_path / 'h.db'}", HOTLINE_LOG_JSON="false", HOTLINE_SEND_WINDOW="8am-9pm"
    )
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "routes"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "HOTLINE_SEND_WINDOW must be HH:MM-HH:MM" in result.stderr
