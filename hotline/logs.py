"""One JSON line per request and per job, with personal data masked by one shared function.

Every line carries a request id: Twilio's CallSid or MessageSid where there is one (so an operator can
follow a call across its webhooks), else the caller's X-Request-Id, else a fresh one.
"""

from __future__ import annotations

import json
import logging
import sys
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from . import metrics
from .masking import mask_text

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")

_RESERVED = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object; every string value goes through `mask_text`."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "request_id": request_id_var.get(),
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _RESERVED and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return mask_text(json.dumps(entry, ensure_ascii=False, default=str))


def configure(level: int = logging.INFO, stream=None) -> None:
    """Send the hotline's and RQ's logs to one stream as JSON lines (idempotent)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.set_name("hotline-json")
    for name in ("hotline", "rq.worker", "workers"):
        logger = logging.getLogger(name)
        logger.handlers = [h for h in logger.handlers if h.get_name() != "hotline-json"]
        logger.addHandler(handler)
        logger.setLevel(level)
        logger.propagate = False


def request_id_from(values, headers) -> str:
    """`values` and `headers`: mappings with .get (the request's form and headers as they are)."""
    return (
        values.get("CallSid")
        or values.get("MessageSid")
        or values.get("SmsSid")
        or headers.get("X-Request-Id")
        or uuid.uuid4().hex
    )


class Timer:
    """Milliseconds since creation, for the `ms` field of request and job lines."""

    def __init__(self) -> None:
        self.started = time.perf_counter()

    @property
    def ms(self) -> float:
        return round((time.perf_counter() - self.started) * 1000, 2)


def install_request_logging(app) -> None:
    """Log one line per request: request id, route, status and time taken."""
    from flask import g, request

    logger = logging.getLogger("hotline.web")

    @app.before_request
    def _start():
        g.hotline_timer = Timer()
        g.hotline_request_token = request_id_var.set(
            request_id_from(request.form, request.headers)
        )

    @app.after_request
    def _log(response):
        timer = g.get("hotline_timer")
        route = request.url_rule.rule if request.url_rule else "unmatched"
        elapsed = timer.ms if timer else None
        logger.info(
            "request",
            extra={"route": route, "method": request.method, "status": response.status_code, "ms": elapsed},
        )
        if timer is not None:
            metrics.WEBHOOK_SECONDS.labels(route=route).observe(elapsed / 1000)
        return response

    @app.teardown_request
    def _reset(_exc):
        token = g.pop("hotline_request_token", None)
        if token is not None:
            request_id_var.reset(token)


def logged_job(function):
    """Log one line per RQ job: its id as the request id, the job, the outcome and the time taken."""
    import functools

    logger = logging.getLogger("workers.jobs")

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        from rq import get_current_job

        job = get_current_job()
        token = request_id_var.set(job.id if job is not None else uuid.uuid4().hex)
        timer = Timer()
        try:
            result = function(*args, **kwargs)
        except Exception:
            logger.exception("job", extra={"job": function.__name__, "outcome": "error", "ms": timer.ms})
            raise
        else:
            logger.info("job", extra={"job": function.__name__, "outcome": "ok", "ms": timer.ms})
            return result
        finally:
            request_id_var.reset(token)

    return wrapper
