"""Settings: one typed, validated model (pydantic-settings), read once from the environment and a `.env` file.

Each setting is declared once below: its environment name, type, development default, meaning (the
README's settings table is generated from these, `scripts/settings_table.py`) and, where it has one, its
production rule. Values the code uses as times, ranges or sets (the send window, office hours, the scan
time, the retry codes) are parsed here, once, into typed values; a wrong one stops the start with a
message naming the variable, never a traceback at the first call that needed it.

`Settings(...)` is the defaults plus what is given (tests and tools); `Settings.from_env()` reads the
environment, then `.env`. Every setting has a safe default for development, so `flask run` works on a
fresh machine with no Twilio account. Production (`HOTLINE_ENV=production`) refuses the development
secrets: see `check()`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, PlainSerializer, ValidationError
from pydantic_settings import BaseSettings, DotEnvSettingsSource, EnvSettingsSource, NoDecode, SettingsConfigDict

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


class Production(StrEnum):
    """What production asks of a setting, beyond its type (see `Settings.check`)."""

    # Present, not the development default or a placeholder, at least MIN_SECRET_LENGTH characters, and
    # unlike every other secret (the metrics token sits in the monitoring system: it must not open the API).
    SECRET = "a secret: 32 characters or more, no placeholder, unlike the other secrets"
    ON = "must be `true`"


# --- typed values, parsed once ----------------------------------------------------------------------


@dataclass(frozen=True)
class DailyHours:
    """A stretch of every day, China time, from `start` to `end`; an end of 24:00 is midnight (`None`)."""

    start: time
    end: time | None

    def __contains__(self, moment: time) -> bool:
        return moment >= self.start and (self.end is None or moment < self.end)

    def __str__(self) -> str:
        """The form the environment gives, `HH:MM-HH:MM`."""
        return f"{self.start:%H:%M}-{'24:00' if self.end is None else format(self.end, '%H:%M')}"


def _clock_time(text: str) -> time:
    moment = time.fromisoformat(text.strip()) if text.strip().isascii() else None
    if moment is None or moment.second or moment.microsecond or moment.tzinfo:
        raise ValueError
    return moment


def _daily_hours(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    start_text, dash, end_text = value.partition("-")
    try:
        start = _clock_time(start_text)
        end = None if end_text.strip() == "24:00" else _clock_time(end_text)
    except ValueError:
        start = end = None
    if not dash or start is None or (end is not None and end <= start):
        raise ValueError(f"must be HH:MM-HH:MM, the start before the end (24:00 for midnight), not {value!r}")
    return DailyHours(start, end)


def _time_of_day(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return _clock_time(value)
    except ValueError:
        raise ValueError(f"must be a time of day HH:MM, not {value!r}") from None


def _codes(value: Any) -> Any:
    if not isinstance(value, str):
        return frozenset(value)
    codes = frozenset(code.strip() for code in value.split(",") if code.strip())
    if not all(code.isascii() and code.isdigit() for code in codes):
        raise ValueError(f"must be error codes written with 0-9 and separated by commas, not {value!r}")
    return codes


def _whole(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    number = whole_number(value.strip())
    if number is None:
        raise ValueError(f"must be a whole number written with 0-9, not {value!r}")
    return number


def _number(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        number = float(value) if value.strip().isascii() else math.nan
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise ValueError(f"must be a number, not {value!r}")
    return number


def _switch(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    word = value.strip().lower()
    if word in ("1", "true", "yes", "on"):
        return True
    if word in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"must be true or false, not {value!r}")


def _environment(value: str) -> str:
    # Exactly one of two spellings: `Production` or `prod` is refused rather than read as development, which
    # would start a public hotline with the public secrets and no signatures.
    if value not in ENVIRONMENTS:
        raise ValueError(f"must be exactly 'development' or 'production', not {value!r}")
    return value


Hours = Annotated[DailyHours, NoDecode, BeforeValidator(_daily_hours), PlainSerializer(str)]
TimeOfDay = Annotated[time, NoDecode, BeforeValidator(_time_of_day), PlainSerializer(lambda t: f"{t:%H:%M}")]
Codes = Annotated[
    frozenset[str], NoDecode, BeforeValidator(_codes), PlainSerializer(lambda codes: ",".join(sorted(codes)))
]
Whole = Annotated[int, BeforeValidator(_whole)]
Number = Annotated[float, BeforeValidator(_number)]
Switch = Annotated[bool, BeforeValidator(_switch), PlainSerializer(lambda on: "true" if on else "false")]
Environment = Annotated[str, AfterValidator(_environment)]


def setting(default: Any, env: str, meaning: str, *, production: Production | None = None, **limits: Any) -> Any:
    """One setting: its environment variable, default, meaning (the README's table) and production rule."""
    extra = {"production": str(production)} if production else None
    return Field(default, alias=env, description=meaning, json_schema_extra=extra, **limits)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        frozen=True,
        extra="forbid",
        case_sensitive=True,
        validate_by_name=True,
        validate_by_alias=True,
        validate_default=True,
        env_file=ROOT / ".env",
        env_file_encoding="utf-8",
    )

    env: Environment = setting(
        "development",
        "HOTLINE_ENV",
        "`development` or `production`; production refuses to start with the development secrets below",
    )
    database_url: str = setting(
        f"sqlite:///{ROOT / 'instance' / 'hotline.db'}",
        "HOTLINE_DATABASE_URL",
        "SQLAlchemy URL: SQLite (default) or `postgresql+psycopg://user:pass@host/db`",
    )
    redis_url: str = setting(
        "redis://127.0.0.1:6379/0",
        "HOTLINE_REDIS_URL",
        "Redis for RQ queues, call state, SMS conversations, rate limits and locks",
    )
    public_url: str = setting(
        "http://127.0.0.1:5000",
        "HOTLINE_PUBLIC_URL",
        "the URL Twilio calls; signatures are checked against it (not the request's own URL)",
    )
    api_token: str = setting(
        DEV_API_TOKEN,
        "HOTLINE_API_TOKEN",
        "bearer token for `POST /api/events` and `GET /api/changes`",
        production=Production.SECRET,
    )
    metrics_token: str = setting(
        DEV_METRICS_TOKEN,
        "HOTLINE_METRICS_TOKEN",
        "bearer token for `GET /metrics`",
        production=Production.SECRET,
    )
    pin_pepper: str = setting(
        DEV_PIN_PEPPER,
        "HOTLINE_PIN_PEPPER",
        "secret mixed into every PIN and one-time-code hash; never stored in the database",
        production=Production.SECRET,
    )
    desk_secret_key: str = setting(
        DEV_DESK_SECRET_KEY,
        "HOTLINE_DESK_SECRET_KEY",
        "signs the staff desk's session cookies and form (CSRF) tokens (Flask's `SECRET_KEY`)",
        production=Production.SECRET,
    )
    twilio_account_sid: str = setting(DEV_TWILIO_ACCOUNT_SID, "TWILIO_ACCOUNT_SID", "Twilio account SID")
    twilio_auth_token: str = setting(
        DEV_TWILIO_AUTH_TOKEN,
        "TWILIO_AUTH_TOKEN",
        "Twilio auth token: signs webhooks and authenticates API calls",
        production=Production.SECRET,
    )
    twilio_from_number: str = setting("+12025550123", "TWILIO_FROM_NUMBER", "the number texts are sent from")
    twilio_messaging_service_sid: str = setting(
        "",
        "TWILIO_MESSAGING_SERVICE_SID",
        "send through a Messaging Service instead of `TWILIO_FROM_NUMBER`",
    )
    twilio_api_url: str = setting(
        "",
        "HOTLINE_TWILIO_API_URL",
        "base URL of a Twilio-compatible REST API (the loopback Twilio); empty: Twilio itself",
    )
    twilio_timeout_seconds: Number = setting(
        10.0,
        "HOTLINE_TWILIO_TIMEOUT_SECONDS",
        "timeout of one call to the Twilio API",
        gt=0,
    )
    validate_signatures: Switch = setting(
        True,
        "HOTLINE_VALIDATE_SIGNATURES",
        "check `X-Twilio-Signature` on every Twilio webhook",
        production=Production.ON,
    )
    agent_number: str = setting(
        "+8659212123",
        "HOTLINE_AGENT_NUMBER",
        'where "press 0 for a person" transfers the call',
    )
    office_hours: Hours = setting(
        "08:30-17:30",
        "HOTLINE_OFFICE_HOURS",
        "`HH:MM-HH:MM` on working days, China time, as the voice menu announces them",
    )
    holidays_file: str = setting(
        str(ROOT / "hotline" / "data" / "holidays-cn.json"),
        "HOTLINE_HOLIDAYS_FILE",
        "JSON of holidays and make-up working days (the working-day calendar)",
    )
    sms_signature: str = setting(
        "【交管12123】",
        "HOTLINE_SMS_SIGNATURE",
        "sender signature that starts every text, as Chinese carriers require",
    )
    sms_query_limit: Whole = setting(
        30,
        "HOTLINE_SMS_QUERY_LIMIT",
        "keyword queries one number may text per window; over it, one polite reply, then silence",
        ge=1,
    )
    sms_query_window_seconds: Whole = setting(
        3600,
        "HOTLINE_SMS_QUERY_WINDOW_SECONDS",
        "the window of `HOTLINE_SMS_QUERY_LIMIT`",
        ge=1,
    )
    send_window: Hours = setting(
        "08:00-21:00",
        "HOTLINE_SEND_WINDOW",
        "non-urgent notices go out only inside this window, China time",
    )
    daily_cap: Whole = setting(
        4,
        "HOTLINE_DAILY_CAP",
        "at most this many notices to one number in 24 hours, urgent ones included",
    )
    sender_segments_per_second: Number = setting(
        10.0,
        "HOTLINE_SENDER_SEGMENTS_PER_SECOND",
        "SMS segments per second for the sender (Redis token bucket)",
        gt=0,
    )
    voice_zh: str = setting("Polly.Zhiyu", "HOTLINE_VOICE_ZH", "Twilio `<Say>` voice for Mandarin")
    voice_zh_language: str = setting("cmn-CN", "HOTLINE_VOICE_ZH_LANGUAGE", "language code of the Mandarin voice")
    voice_en: str = setting("Polly.Joanna", "HOTLINE_VOICE_EN", "Twilio `<Say>` voice for English")
    voice_en_language: str = setting("en-US", "HOTLINE_VOICE_EN_LANGUAGE", "language code of the English voice")
    speech_language: str = setting(
        "cmn-Hans-CN",
        "HOTLINE_SPEECH_LANGUAGE",
        "language Twilio listens for when a caller speaks instead of pressing keys",
    )
    rq_queue_prefix: str = setting(
        "hotline",
        "HOTLINE_RQ_QUEUE_PREFIX",
        "prefix of the RQ queue names (urgent, default, notices) and Redis keys",
    )
    call_state_ttl_seconds: Whole = setting(
        3600,
        "HOTLINE_CALL_STATE_TTL_SECONDS",
        "how long a call's menu state stays in Redis",
        ge=1,
    )
    notice_max_attempts: Whole = setting(
        3,
        "HOTLINE_NOTICE_MAX_ATTEMPTS",
        "attempts per notice after a temporary delivery failure",
        ge=1,
    )
    sms_gateway: Literal["twilio", "console"] = setting(
        "twilio",
        "HOTLINE_SMS_GATEWAY",
        "`twilio`, or `console` to print texts instead of sending them",
    )
    notice_batch_size: Whole = setting(250, "HOTLINE_NOTICE_BATCH_SIZE", "notice ids per RQ send job", ge=1)
    sender_connections: Whole = setting(
        8,
        "HOTLINE_SENDER_CONNECTIONS",
        "messages a worker keeps in flight to the provider at once (one connection each)",
        ge=1,
    )
    notice_claim_timeout_seconds: Whole = setting(
        120,
        "HOTLINE_NOTICE_CLAIM_TIMEOUT_SECONDS",
        "a notice claimed by a worker that died is swept after this",
    )
    notice_unknown_grace_seconds: Whole = setting(
        60,
        "HOTLINE_NOTICE_UNKNOWN_GRACE_SECONDS",
        "wait before reconciling a notice whose send had an unknown outcome",
    )
    notice_queued_timeout_seconds: Whole = setting(
        300,
        "HOTLINE_NOTICE_QUEUED_TIMEOUT_SECONDS",
        "a queued notice whose job was lost is queued again after this",
    )
    notice_receipt_timeout_seconds: Whole = setting(
        172800,
        "HOTLINE_NOTICE_RECEIPT_TIMEOUT_SECONDS",
        "stop waiting for a delivery receipt after this",
    )
    notice_retry_error_codes: Codes = setting(
        "30003,30008,30017",
        "HOTLINE_NOTICE_RETRY_ERROR_CODES",
        "receipt error codes that earn another attempt (30003 unreachable handset, 30008 unknown, "
        "30017 carrier congestion)",
    )
    scan_at: TimeOfDay = setting(
        "07:30",
        "HOTLINE_SCAN_AT",
        "China time of the daily notice scan (`flask scheduler`)",
    )
    dispatch_interval_seconds: Whole = setting(
        15,
        "HOTLINE_DISPATCH_INTERVAL_SECONDS",
        "how often the scheduler hands due notices to the workers",
        ge=1,
    )
    sweep_interval_seconds: Whole = setting(
        60,
        "HOTLINE_SWEEP_INTERVAL_SECONDS",
        "how often the scheduler sweeps stuck notices",
        ge=1,
    )
    retention_days: Whole = setting(
        180,
        "HOTLINE_RETENTION_DAYS",
        "personal data in notices, attempts and logs is purged after this (`flask purge`)",
        ge=1,
    )
    exam_parallel_booking: Switch = setting(
        True,
        "HOTLINE_EXAM_PARALLEL_BOOKING",
        "KM3 may be applied for before KM2 is passed, as at the platform's launch (services/exams.py)",
    )
    log_json: Switch = setting(
        True,
        "HOTLINE_LOG_JSON",
        "JSON log lines (for a log collector); `false` for readable lines",
    )

    @classmethod
    def settings_customise_sources(
        cls, settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings
    ):
        # `Settings(...)` is what is given and the defaults, never the process's environment: a test or a
        # tool builds exactly the settings it names. `from_env` is the one door the environment comes in by.
        return (init_settings,)

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as error:
            raise ConfigError(_explain(error)) from None

    @property
    def production(self) -> bool:
        return self.env == "production"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from `environ` (default: the process's environment, then `.env`), checked (`check`).

        Only the variables named above are read; others (`HOTLINE_WEB_WORKERS`, `FLASK_APP`) are left
        to whoever reads them."""
        if environ is None:
            # The environment beats `.env`, as deploy tooling expects (a unit's Environment= overrides a file).
            found = {**DotEnvSettingsSource(cls)(), **EnvSettingsSource(cls)()}
        else:
            found = dict(environ)
        names = {info.alias: name for name, info in cls.model_fields.items()}
        values = {names[key]: value for key, value in found.items() if key in names}
        settings = cls(**{**values, **overrides})
        settings.check()
        return settings

    def replace(self, **changes: Any) -> Settings:
        """A copy with `changes` (field names), validated like any other settings."""
        return type(self)(**{**self.model_dump(), **changes})

    def environ(self) -> dict[str, str]:
        """These settings as the environment variables that give them (for a child process)."""
        return {
            type(self).model_fields[name].alias: _env_text(value)
            for name, value in self.model_dump(mode="json").items()
        }

    def check(self) -> None:
        """Refuse unsafe settings in production (the `production` rule of each field); called by `from_env`
        and by `create_app`."""
        if not self.production:
            return
        problems = []
        secrets: dict[str, str] = {}
        for name, info in type(self).model_fields.items():
            rule = (info.json_schema_extra or {}).get("production")
            value = getattr(self, name)
            if rule == Production.SECRET:
                secrets[info.alias] = value
                problem = _secret_problem(value, info.default)
                if problem:
                    problems.append(f"{info.alias} {problem}")
            elif rule == Production.ON and not value:
                problems.append(f"{info.alias} must not be off")
        values = [value for value in secrets.values() if value]
        if len(set(values)) < len(values):
            problems.append(f"{', '.join(list(secrets)[:-1])} and {list(secrets)[-1]} must all differ")
        if problems:
            raise ConfigError("refusing to start in production: " + "; ".join(problems))


def _secret_problem(value: str, development: str) -> str | None:
    if not value:
        return "is missing"
    if value == development:
        return "is the development default"
    if any(word in value.lower() for word in PLACEHOLDER_WORDS):
        return "is still a placeholder (as in deploy/hotline.env.example)"
    if len(value) < MIN_SECRET_LENGTH:
        return f"is shorter than {MIN_SECRET_LENGTH} characters"
    return None


def _env_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _explain(error: ValidationError) -> str:
    """`HOTLINE_DAILY_CAP must be a whole number written with 0-9, not '４'`: each wrong setting by its
    environment name, in our words where a validator above gave them."""
    fields = Settings.model_fields
    aliases = {name: info.alias for name, info in fields.items()}
    lines = []
    for problem in error.errors():
        where = str(problem["loc"][0]) if problem["loc"] else ""
        name = aliases.get(where, where)
        cause = (problem.get("ctx") or {}).get("error")
        if isinstance(cause, ValueError) and str(cause):
            lines.append(f"{name} {cause}")
        elif problem["type"] == "extra_forbidden":
            lines.append(f"{name} is not a setting")
        else:
            lines.append(f"{name}: {problem['msg']}, not {problem.get('input')!r}")
    return "; ".join(lines)
