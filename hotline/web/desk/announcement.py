"""Composing an announcement on the desk: the texts in both languages, their segments and the recipients
first, then the broadcast on confirmation.

The announcement goes in as an `announcement` record through the import (`ingest.apply_records`), exactly
as one the upstream sends: the same validation, the same row, the same broadcast planning (one A01 notice
per subscriber the area covers, sent by the usual pipeline). The preview runs that same import in a
transaction it then rolls back, so the recipients it counts are the notices the broadcast will plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import flash, g, redirect, render_template, request, url_for

from ...clock import CHINA, at_china, china_today
from ...db.staff import StaffRole
from ...domain import segments
from ...ingest.apply import apply_records
from ...notify.notice_text import render_notice
from ..auth import runtime, staff
from .blueprint import bp

KINDS = {"notice": "公告 (notice)", "publication": "公布 (publication)"}
LANGUAGES = (("zh-CN", "中文"), ("en", "English"))


@dataclass(frozen=True)
class Rendered:
    language: str
    label: str
    text: str
    encoding: str
    units: int
    segments: int


def _form() -> dict[str, str]:
    fields = ("kind", "area", "title", "text", "valid_until", "announcement_id")
    return {name: request.form.get(name, "").strip() for name in fields}


def _record(form: dict[str, str], now: datetime) -> dict:
    try:
        until = date.fromisoformat(form["valid_until"])
        valid_until = (at_china(until) + timedelta(days=1, seconds=-60)).isoformat()
    except ValueError:
        valid_until = form["valid_until"]  # the import's validation names the field
    return {
        "type": "announcement",
        "announcement_id": form["announcement_id"],
        "kind": form["kind"],
        "area": form["area"],
        "title": form["title"],
        "text": form["text"],
        "published_at": now.astimezone(CHINA).isoformat(),
        "valid_until": valid_until,
    }


def _import(db, record: dict, now: datetime):
    rt = runtime()
    return apply_records(db, [("the form", record)], now=now, pepper=rt.settings.pin_pepper)


@bp.route("/announcement", methods=["GET", "POST"])
@staff(StaffRole.SUPERVISOR)
def announcement():
    rt = runtime()
    now = rt.clock.now()
    if request.method == "GET":
        stamp = now.astimezone(CHINA).strftime("%Y%m%d-%H%M")
        form = {
            "kind": "notice",
            "area": "",
            "title": "",
            "text": "",
            "announcement_id": f"DESK-{stamp}-{g.staff.id}",
            "valid_until": (china_today(rt.clock) + timedelta(days=30)).isoformat(),
        }
        return render_template(
            "desk/announcement.html",
            title="Compose an announcement",
            page="announcement",
            form=form,
            kinds=KINDS,
            errors=[],
            preview=None,
        )
    form = _form()
    record = _record(form, now)
    if request.form.get("action") == "send":
        with rt.transaction() as db:
            result = _import(db, record, now)
            if result.ok:
                flash(
                    f"Announcement {form['announcement_id']} saved; {result.planned} texts planned. They go out "
                    "with the notices (sending window, daily cap, opt-outs)."
                )
                return redirect(url_for("desk.announcement"))
        return _page(form, result.errors, None)
    # The preview: the same import, rolled back.
    with rt.sessions() as db:
        try:
            result = _import(db, record, now)
        finally:
            db.rollback()
    if not result.ok:
        return _page(form, result.errors, None)
    variables = {"kind": form["kind"], "title": form["title"], "text": form["text"]}
    rendered = []
    for language, label in LANGUAGES:
        text = render_notice(("A01", variables), language, rt.settings)
        counted = segments.count(text)
        rendered.append(Rendered(language, label, text, counted.encoding, counted.units, counted.segments))
    return _page(form, [], {"texts": rendered, "recipients": result.planned})


def _page(form, errors, preview):
    return render_template(
        "desk/announcement.html",
        title="Compose an announcement",
        page="announcement",
        form=form,
        kinds=KINDS,
        errors=errors,
        preview=preview,
    )
