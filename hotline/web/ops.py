"""Operations routes: `/healthz` (open, says nothing personal) and `/metrics` (token)."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, jsonify
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from .. import metrics
from ..clock import china_today
from ..db import Person
from ..notify import sender
from ..runtime import Runtime
from .auth import bearer, public, runtime

log = logging.getLogger("hotline.web")

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
@public
def healthz():
    rt = runtime()
    checks = {}
    try:
        _read_a_table(rt)
        checks["database"] = "ok"
    except Exception:  # any failure means "not healthy"; the reason goes to the log, not the body
        log.warning("healthz: database unavailable", exc_info=True)
        checks["database"] = "unavailable"
    try:
        rt.redis.ping()
        checks["redis"] = "ok"
    except Exception:
        log.warning("healthz: redis unavailable", exc_info=True)
        checks["redis"] = "unavailable"
    healthy = all(v == "ok" for v in checks.values())
    # The calendar cannot take the service down (dates still answer, as Monday-Friday guesses), so it
    # never turns the answer into a 503; but it is loud from 60 days before the file runs out.
    today = china_today(rt.clock)
    if rt.calendar.degraded(today):
        checks["calendar"] = "degraded"
        log.warning(
            "healthz: working-day calendar degraded: covers %s, %d days left on %s",
            rt.calendar.coverage_text(),
            rt.calendar.days_left(today),
            today.isoformat(),
        )
    else:
        checks["calendar"] = "ok"
    if not healthy:
        return jsonify(status="unavailable", checks=checks), 503
    return jsonify(status="ok" if checks["calendar"] == "ok" else "degraded", checks=checks), 200


def _read_a_table(rt: Runtime) -> None:
    """One row of a real table. `SELECT 1` reads no table: it said "ok" from an SQLite file overwritten
    with garbage. A connection found dead (the server restarted, the file replaced) is discarded by
    SQLAlchemy with the rest of the pool; one more try, on a fresh connection, asks the database itself."""
    for tries in (1, 2):
        try:
            with rt.probe_engine.connect() as connection:
                connection.execution_options(read_only=True)  # SQLite: a deferred transaction, no write lock
                connection.execute(select(Person.id).limit(1)).all()
            return
        except DBAPIError as error:
            if not error.connection_invalidated or tries == 2:
                raise


@bp.get("/metrics")
@bearer("metrics_token")
def metrics_scrape():
    rt = runtime()
    return Response(metrics.exposition(rt, lambda: sender.is_paused(rt)), mimetype=CONTENT_TYPE_LATEST)
