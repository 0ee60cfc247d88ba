"""Settings, read once from the environment (and a `.env` file when present).

Every setting has a safe default for development, so `flask run` works on a fresh machine with no
Twilio account. Production (`HOTLINE_ENV=production`) refuses the development secrets: see `check()`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

from .digits import whole_number

ROOT = Path(__file__).resolve().parent.parent

# Development-only secrets. They are public (they are in this file), which is exactly why production
# refuses to start with them.
DEV_TWILIO_ACCOUNT_SID = "AC00000000000000000000000000000000"
DEV_TWILIO_AUTH_TOKEN = "dev-auth-token-not-secret"
DEV_API_TOKEN = "dev-api-token"
DEV_METRICS_TOKEN = "dev-metrics-token"
DEV_PIN_PEPPER = "dev-pepper"
DEV_DESK_SECRET_KEY = "dev-desk-secret-key"
ENVIRONMENTS = ("development", "production")
# A production secret is at least this long (`openssl rand -hex 32` gives 64); Twilio's auth tokens are 32.
MIN_SECRET_LENGTH = 32
# Words of placeholders (deploy/hotline.env.example says CHANGE-ME-long-random) that are never a secret.
PLACEHOLDER_WORDS = ("change-me", "changeme", "change_me", "replace-me", "placeholder", "xxxxxxxx")


class ConfigError(RuntimeError):
    """A setting is missing or unsafe; the message names it."""


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    env: str = "development"
    database_url: str = f"sqlite:///{ROOT / 'instance' / 'hotline.db'}"
    redis_url: str = "redis://127.0.0.1:6379/0"
    public_url: str = "http://127.0.0.1:5000"
    api_token: str = DEV_API_TOKEN
    metrics_token: str = DEV_METRICS_TOKEN
    pin_pepper: str = DEV_PIN_PEPPER
    # Signs the desk's session cookie and CSRF tokens (Flask's SECRET_KEY).
    desk_secret_key: str = DEV_DESK_SECRET_KEY
    twilio_account_sid: str = DEV_TWILIO_ACCOUNT_SID
    twilio_auth_token: str = DEV_TWILIO_AUTH_TOKEN
    twilio_from_number: str = "+12025550123"
    twilio_messaging_service_sid: str = ""
    # Base URL of a Twilio-compatible REST API (the loopback Twilio); empty means Twilio itself.
    twilio_api_url: str = ""
    twilio_timeout_seconds: float = 10.0
    validate_signatures: bool = True
    agent_number: str = "+8659212123"
    # "HH:MM-HH:MM" on working days, China time.
    office_hours: str = "08:30-17:30"
    holidays_file: str = str(ROOT / "hotline" / "data" / "holidays-cn.json")
    sms_signature: str = "【交管12123】"
    # Keyword queries by text per number and window; over it: one polite reply, then silence.
    sms_query_limit: int = 30
    sms_query_window_seconds: int = 3600
    # Non-urgent notices go out only inside this window, China time.
    send_window: str = "08:00-21:00"
    daily_cap: int = 4
    sender_segments_per_second: float = 10.0
    voice_zh: str = "Polly.Zhiyu"
    voice_zh_language: str = "cmn-CN"
    voice_en: str = "Polly.Joanna"
    voice_en_language: str = "en-US"
    speech_language: str = "cmn-Hans-CN"
    rq_queue_prefix: str = "hotline"
    call_state_ttl_seconds: int = 3600
    notice_max_attempts: int = 3
    # Sending notices (hotline/notify/sender.py): which gateway ("twilio" or "console", which prints),
    # ids per RQ job, and how long a notice may sit in a state before the sweep steps in.
    sms_gateway: str = "twilio"
    notice_batch_size: int = 250
    # HTTP connections a worker keeps to the provider, sending that many messages of a batch at once.
    sender_connections: int = 8
    notice_claim_timeout_seconds: int = 120
    notice_unknown_grace_seconds: int = 60
    notice_queued_timeout_seconds: int = 300
    notice_receipt_timeout_seconds: int = 172800
    # Receipt error codes worth one more attempt (30003 unreachable handset, 30008 unknown, 30017 congestion).
    notice_retry_error_codes: str = "30003,30008,30017"
    # The recurring schedule (`flask scheduler`): daily scan time (China), dispatcher and sweep periods.
    scan_at: str = "07:30"
    dispatch_interval_seconds: int = 15
    sweep_interval_seconds: int = 60
    retention_days: int = 180
    # Parallel KM2/KM3 booking, as at the platform's launch (see services/exams.py).
    exam_parallel_booking: bool = True
    log_json: bool = True
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def production(self) -> bool:
        return self.env == "production"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides) -> Settings:
        """Build settings from `environ` (default: os.environ after loading `.env`)."""
        if environ is None:
            from dotenv import load_dotenv

            load_dotenv(ROOT / ".env", override=False)
            environ = os.environ
        values: dict[str, object] = {}
        for f in fields(cls):
            if f.name == "extra":
                continue
            name = _env_name(f.name)
            if name not in environ:
                continue
            raw = environ[name]
            if f.type in ("bool", bool):
                values[f.name] = _bool(raw)
            elif f.type in ("int", int):
                number = whole_number(raw.strip())
                if number is None:
                    raise ConfigError(f"{name} must be a whole number written with 0-9, not {raw!r}")
                values[f.name] = number
            elif f.type in ("float", float):
                try:
                    values[f.name] = float(raw) if raw.strip().isascii() else float("nan")
                except ValueError:
                    values[f.name] = float("nan")
                if values[f.name] != values[f.name]:
                    raise ConfigError(f"{name} must be a number, not {raw!r}")
            else:
                values[f.name] = raw
        values.update(overrides)
        settings = cls(**values)
        settings.check()
        return settings

    def check(self) -> None:
        """Refuse unsafe settings in production; called by `from_env` and by `create_app`.

        HOTLINE_ENV is exactly `development` or `production`: `Production` or `prod` is refused rather than
        read as development, which would start a public hotline with the public secrets and no signatures.
        """
        if self.env not in ENVIRONMENTS:
            raise ConfigError(f"HOTLINE_ENV must be exactly 'development' or 'production', not {self.env!r}")
        if not self.production:
            return
        problems = []
        secrets = {
            "TWILIO_AUTH_TOKEN": (self.twilio_auth_token, DEV_TWILIO_AUTH_TOKEN),
            "HOTLINE_API_TOKEN": (self.api_token, DEV_API_TOKEN),
            "HOTLINE_METRICS_TOKEN": (self.metrics_token, DEV_METRICS_TOKEN),
            "HOTLINE_PIN_PEPPER": (self.pin_pepper, DEV_PIN_PEPPER),
            "HOTLINE_DESK_SECRET_KEY": (self.desk_secret_key, DEV_DESK_SECRET_KEY),
        }
        for name, (value, development) in secrets.items():
            if not value:
                problems.append(f"{name} is missing")
            elif value == development:
                problems.append(f"{name} is the development default")
            elif any(word in value.lower() for word in PLACEHOLDER_WORDS):
                problems.append(f"{name} is still a placeholder (as in deploy/hotline.env.example)")
            elif len(value) < MIN_SECRET_LENGTH:
                problems.append(f"{name} is shorter than {MIN_SECRET_LENGTH} characters")
        values = [value for value, _ in secrets.values() if value]
        if len(set(values)) < len(values):
            # The metrics token sits in the monitoring system's configuration: it must not open the API.
            problems.append("TWILIO_AUTH_TOKEN, HOTLINE_API_TOKEN, HOTLINE_METRICS_TOKEN, HOTLINE_PIN_PEPPER and "
                            "HOTLINE_DESK_SECRET_KEY must all differ")
        if not self.validate_signatures:
            problems.append("HOTLINE_VALIDATE_SIGNATURES must not be off")
        if problems:
            raise ConfigError("refusing to start in production: " + "; ".join(problems))


_TWILIO_NAMES = {
    "twilio_account_sid": "TWILIO_ACCOUNT_SID",
    "twilio_auth_token": "TWILIO_AUTH_TOKEN",
    "twilio_from_number": "TWILIO_FROM_NUMBER",
    "twilio_messaging_service_sid": "TWILIO_MESSAGING_SERVICE_SID",
}


def _env_name(field_name: str) -> str:
    """`public_url` -> `HOTLINE_PUBLIC_URL`; the Twilio credentials keep Twilio's own names."""
    return _TWILIO_NAMES.get(field_name, "HOTLINE_" + field_name.upper())
