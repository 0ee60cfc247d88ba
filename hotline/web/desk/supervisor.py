"""The supervisor's pages: today's notices, queue health, calendar coverage, opt-outs, the voice menu, the
audit log and composing an announcement."""

from __future__ import annotations

from datetime import datetime

from flask import render_template

from ...clock import CHINA, china_today
from ...db.staff import StaffRole
from ...notify.catalogue import kind as catalogue_kind
from ...services import desk_reports
from ...services import staff as staff_service
from ..auth import runtime, staff
from . import bp
from .charts import Series, hourly_bars

AUDIT_LIMIT = 200


@bp.app_template_filter("china_time")
def china_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return value.astimezone(CHINA).strftime(fmt) if value else ""


def _kind_name(code: str) -> str:
    try:
        return catalogue_kind(code).name_zh
    except KeyError:
        return ""


@bp.route("/supervisor")
@staff(StaffRole.SUPERVISOR)
def supervisor():
    rt = runtime()
    today = china_today(rt.clock)
    with rt.transaction(read_only=True) as db:
        notices = desk_reports.notice_day(db, today)
        opted_out, latest_opt_outs = desk_reports.opt_outs(db)
    chart = hourly_bars(
        [
            Series("sent", notices.sent_by_hour),
            Series("delivered", notices.delivered_by_hour),
            Series("failed or undelivered", notices.failed_by_hour, "#d4351c"),
        ],
        title=f"Notices sent and delivered on {today.isoformat()}, hour by hour",
        unit="notices",
    )
    return render_template(
        "desk/supervisor.html",
        title=f"Today, {today.isoformat()}",
        page="supervisor",
        notices=notices,
        kind_name=_kind_name,
        sending_chart=chart,
        opted_out=opted_out,
        latest_opt_outs=latest_opt_outs,
        coverage=desk_reports.coverage(rt.calendar, today),
    )


@bp.route("/audit")
@staff(StaffRole.SUPERVISOR)
def audit():
    rt = runtime()
    with rt.transaction(read_only=True) as db:
        rows = staff_service.audit_log(db, limit=AUDIT_LIMIT)
        for record, _ in rows:
            db.expunge(record)
    return render_template("desk/audit.html", title="Audit log", page="audit", rows=rows, limit=AUDIT_LIMIT)
