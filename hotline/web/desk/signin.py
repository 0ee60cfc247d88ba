"""Signing in and out of the desk."""

from __future__ import annotations

from flask import Response, g, redirect, render_template, request, session, url_for

from ...clock import CHINA
from ...services import staff as staff_service
from ..auth import runtime, staff, staff_sign_in
from .blueprint import bp


def _next_page() -> str:
    # Only back into the desk: never an address elsewhere handed in by a link.
    target = request.args.get("next", "")
    if target.startswith("/desk") and "//" not in target and "\\" not in target:
        return target
    return url_for("desk.agent")


@bp.route("/login", methods=["GET", "POST"])
@staff_sign_in
def login():
    if request.method == "GET":
        return render_template("desk/login.html", message=None)
    name = request.form.get("name", "")[:60]
    password = request.form.get("password", "")[:200]
    rt = runtime()
    now = rt.clock.now()
    with rt.transaction() as db:
        result = staff_service.sign_in(db, name, password, pepper=rt.settings.pin_pepper, now=now)
        staff_id = result.staff.id if result.staff is not None else None
    if result.outcome == staff_service.SignIn.OK:
        session.clear()
        session.permanent = True
        session["staff_id"] = staff_id
        return redirect(_next_page())
    if result.outcome == staff_service.SignIn.LOCKED:
        until = result.locked_until.astimezone(CHINA).strftime("%H:%M")
        message = f"Too many failed attempts: this account is locked until {until} (China time)."
    else:
        message = "That name and password do not match an account."
    return Response(render_template("desk/login.html", message=message), status=401)


@bp.route("/logout", methods=["POST"])
@staff()
def logout():
    session.clear()
    g.pop("staff", None)
    return redirect(url_for("desk.login"))
