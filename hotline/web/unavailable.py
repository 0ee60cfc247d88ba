"""The database is down: every route that has no better answer says 503 with `Retry-After`, never 500.

Twilio retries a status callback answered 5xx, so a receipt that could not be recorded comes again; the
upstream is told, in JSON, to try the call again. The voice door answers the caller itself (web/voice.py)
and the SMS door always answers the texter (web/sms.py); `/healthz` reports the database by name.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, request
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from werkzeug.exceptions import InternalServerError

from ..db import database_unavailable

log = logging.getLogger("hotline.web")

RETRY_AFTER_SECONDS = 30


def install(app: Flask) -> None:
    app.register_error_handler(SQLAlchemyError, _database_error)


def _database_error(error: SQLAlchemyError):
    if not database_unavailable(error):
        # A wrong statement is a bug: the usual 500, with its traceback in the log.
        log.error("database error on %s", request.path, exc_info=error)
        return InternalServerError()
    # The cause in one line; the traceback says nothing an operator can act on.
    cause = error.orig if isinstance(error, DBAPIError) else error
    log.warning("database unavailable on %s: %s: %s", request.path, type(cause).__name__,
                str(cause).splitlines()[0] if str(cause) else "")
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if request.path.startswith("/api/"):
        body = {"error": "the database is unavailable for a moment: try again shortly",
                "retry_after": RETRY_AFTER_SECONDS}
        return jsonify(body), 503, headers
    return Response("database unavailable, try again\n", status=503, mimetype="text/plain", headers=headers)
