"""Signing in and out of the desk."""

from __future__ import annotations

from flask import Response, g, redirect, render_template, request, session, url_for

from ...services import staff as staff_service
from ..auth import password_mark, runtime, staff, staff_sign_in
from .blueprint import bp

SIGN_IN_REFUSED = (
    "That name and password do not match an account, or the account is locked for a while after too many "
    "failed attempts."
)


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
        mark = password_mark(result.staff.password_hash) if result.staff is not None else None
    if result.outcome == staff_service.SignIn.OK:
        session.clear()
        session.permanent = True
        session["staff_id"] = staff_id
        session["password_mark"] = mark
        return redirect(_next_page())
    # One answer for an unknown name, a wrong password and a locked account: a "locked" answer would tell a
    # stranger that the name exists (an unknown name never locks).
    return Response(render_template("desk/login.html", message=SIGN_IN_REFUSED), status=401)


@bp.route("/logout", methods=["POST"])
@staff()
def logout():
    session.clear()
    g.pop("staff", None)
    return redirect(url_for("desk.login"))
