"""Production by one spelling only, with secrets of real strength: the app refuses to start otherwise, with
a message naming the setting, a non-zero exit and no traceback (`flask` and gunicorn load app.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STRONG = {
    "TWILIO_AUTH_TOKEN": "5f0c" * 8,
    "HOTLINE_API_TOKEN": "api-" + "7a" * 16,
    "HOTLINE_METRICS_TOKEN": "metrics-" + "3b" * 16,
    "HOTLINE_PIN_PEPPER": "pepper-" + "c4" * 16,
    "HOTLINE_DESK_SECRET_KEY": "desk-" + "d5" * 16,
}


def start(tmp_path, **environ: str) -> subprocess.CompletedProcess:
    """`flask routes` in a clean environment: loads app.py exactly as gunicorn does, then lists the routes."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("HOTLINE_", "TWILIO_"))}
    env.update(HOTLINE_DATABASE_URL=f"sqlite:///{tmp_path / 'h.db'}", HOTLINE_LOG_JSON="false", **environ)
    return subprocess.run([sys.executable, "-m", "flask", "--app", "app", "routes"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


def refused(result: subprocess.CompletedProcess, *words: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    assert all(word in result.stderr for word in words), result.stderr


@pytest.mark.parametrize("spelling", ["Production", "prod", ""])
def test_hotline_env_accepts_exactly_development_or_production(tmp_path, spelling):
    refused(start(tmp_path, HOTLINE_ENV=spelling, **STRONG), "HOTLINE_ENV must be exactly")


def test_production_with_strong_distinct_secrets_starts(tmp_path):
    result = start(tmp_path, HOTLINE_ENV="production", **STRONG)
    assert result.returncode == 0, result.stderr
    assert "/voice/incoming" in result.stdout


@pytest.mark.parametrize("name", sorted(STRONG))
def test_production_refuses_a_one_character_secret(tmp_path, name):
    refused(start(tmp_path, HOTLINE_ENV="production", **{**STRONG, name: "x"}), name, "shorter than 32")


def test_production_refuses_the_same_token_for_the_api_and_the_metrics(tmp_path):
    same = {**STRONG, "HOTLINE_METRICS_TOKEN": STRONG["HOTLINE_API_TOKEN"]}
    refused(start(tmp_path, HOTLINE_ENV="production", **same), "must all differ")


def test_production_refuses_signatures_off(tmp_path):
    refused(start(tmp_path, HOTLINE_ENV="production", HOTLINE_VALIDATE_SIGNATURES="false", **STRONG),
            "HOTLINE_VALIDATE_SIGNATURES")


def test_production_refuses_the_example_environment_file_as_shipped(tmp_path):
    example = {}
    for line in (ROOT / "deploy" / "hotline.env.example").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            example[key] = value
    example.pop("HOTLINE_DATABASE_URL")  # its CHANGE-ME password would only fail at the first query
    example.pop("FLASK_APP", None)
    result = start(tmp_path, **example)
    refused(result, "placeholder", *STRONG)


def test_a_number_setting_with_lookalike_digits_is_a_clear_refusal(tmp_path):
    refused(start(tmp_path, HOTLINE_DAILY_CAP="４"), "HOTLINE_DAILY_CAP must be a whole number")
