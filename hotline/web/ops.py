"""Operations routes: `/healthz` (open, says nothing personal) and `/metrics` (token)."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text

from .auth import public, runtime

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
@public
def healthz():
    rt = runtime()
    checks = {}
    try:
        with rt.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception:  # any failure means "not healthy"; the reason goes to the log, not the body
        checks["database"] = "unavailable"
    try:
        rt.redis.ping()
        checks["redis"] = "ok"
    except Exception:
        checks["redis"] = "unavailable"
    healthy = all(v == "ok" for v in checks.values())
    return jsonify(status="ok" if healthy else "unavailable", checks=checks), 200 if healthy else 503
