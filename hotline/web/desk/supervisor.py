"""The supervisor's pages: today's notices, queue health, calendar coverage, opt-outs, the voice menu, the
audit log and composing an announcement."""

from __future__ import annotations

from datetime import datetime

from flask import render_template

from ...clock import CHINA, china_today
from ...db.staff import StaffRole
from ...ivr import actions
from ...ivr.diagram import mermaid
from ...ivr.loader import FLOW_DIR, load_flow
from ...notify.catalogue import kind as catalogue_kind
from ...services import desk_reports, queue
from ...services import staff as staff_service
from ..auth import runtime, staff
from .blueprint import bp
from .charts import Series, hourly_bars

AUDIT_LIMIT = 200


@bp.app_template_filter("china_time")
def china_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return value.astimezone(CHINA).strftime(fmt) if value else ""


@bp.app_template_filter("iso_china")
def iso_china(value: str) -> str:
    return china_time(datetime.fromisoformat(value))


@bp.app_template_filter("minutes")
def minutes(seconds: int | None) -> str:
    """90 -> "1 min 30 s"; how long a caller waited."""
    if seconds is None:
        return ""
    whole, rest = divmod(int(seconds), 60)
    return f"{whole} min {rest} s" if whole else f"{rest} s"


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
        queue_day = queue.stats(db, today, rt.clock.now())
    chart = hourly_bars(
        [
            Series("sent", notices.sent_by_hour),
            Series("delivered", notices.delivered_by_hour),
            Series("failed or undelivered", notices.failed_by_hour, "#d4351c"),
        ],
        title=f"Notices sent and delivered on {today.isoformat()}, hour by hour",
        unit="notices",
    )
    hours = queue_day.hours
    queue_chart = hourly_bars(
        [
            Series("waiting", [h.waiting for h in hours]),
            Series("handled", [h.handled for h in hours], "#00703c"),
            Series("abandoned", [h.abandoned for h in hours], "#d4351c"),
            Series("callback instead", [h.callbacks for h in hours], "#f47738"),
        ],
        title=f"The voice queue on {today.isoformat()}, hour by hour",
        unit="callers",
    )
    longest_chart = hourly_bars(
        [Series("longest wait", [round(h.longest_wait_seconds / 60) for h in hours], "#4c2c92")],
        title="Longest wait in each hour, in minutes",
        unit="minutes",
        height=160,
    )
    return render_template(
        "desk/supervisor.html",
        queue_day=queue_day,
        queue_chart=queue_chart,
        longest_chart=longest_chart,
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


@bp.route("/menu")
@staff(StaffRole.SUPERVISOR)
def menu():
    flow = load_flow(FLOW_DIR / "main.yaml", actions.declared())
    return render_template(
        "desk/menu.html", title="The voice menu", page="menu", diagram=mermaid(flow), nodes=len(flow.nodes)
    )
