"""The ways a route is authenticated; a test walks the URL map and fails on any other route.

- `twilio_signed`: `X-Twilio-Signature` checked against HOTLINE_PUBLIC_URL + path + query, not
  `request.url`, which a proxy in front of us rewrites.
- `bearer(setting)`: `Authorization: Bearer <token>` for the upstream API and the metrics scrape.
- `public`: only `/healthz`, which says nothing personal.
- `staff(role)`: a staff member signed in on the desk (Flask's signed session cookie); `staff_sign_in` marks
  the one desk page a stranger may open, the sign-in form itself.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from functools import wraps

from flask import Response, current_app, g, redirect, request, session, url_for
from twilio.request_validator import RequestValidator

from ..db.staff import Staff, StaffRole

AUTH_ATTRIBUTE = "hotline_auth"


def runtime():
    return current_app.extensions["hotline"]


def public_url_for_request() -> str:
    """The URL Twilio signed: our public base URL plus the path and query it posted to."""
    base = runtime().settings.public_url.rstrip("/")
    query = request.query_string.decode("utf-8")
    return f"{base}{request.path}" + (f"?{query}" if query else "")


def _mark(view: Callable, kind: str) -> Callable:
    setattr(view, AUTH_ATTRIBUTE, kind)
    return view


def twilio_signed(view: Callable) -> Callable:
    @wraps(view)
    def wrapper(*args, **kwargs):
        settings = runtime().settings
        if settings.validate_signatures:
            validator = RequestValidator(settings.twilio_auth_token)
            signature = request.headers.get("X-Twilio-Signature", "")
            if not validator.validate(public_url_for_request(), request.form.to_dict(), signature):
                return Response("invalid signature\n", status=403, mimetype="text/plain")
        return view(*args, **kwargs)

    return _mark(wrapper, "twilio")


def bearer(setting: str) -> Callable[[Callable], Callable]:
    """Require `Authorization: Bearer` matching the named setting (e.g. "api_token")."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            expected = getattr(runtime().settings, setting)
            header = request.headers.get("Authorization", "")
            scheme, _, token = header.partition(" ")
            # Bytes, not str: compare_digest refuses a str with non-ASCII characters (a 500 for a token
            # like "令牌"); any header a client can send is then a plain mismatch, answered 401.
            presented = token.strip(" \t").encode("utf-8", "surrogateescape")
            if scheme.lower() != "bearer" or not hmac.compare_digest(presented, expected.encode("utf-8")):
                return Response(
                    '{"error": "unauthorised"}\n',
                    status=401,
                    mimetype="application/json",
                    headers={"WWW-Authenticate": "Bearer"},
                )
            return view(*args, **kwargs)

        return _mark(wrapper, f"bearer:{setting}")

    return decorate


def public(view: Callable) -> Callable:
    return _mark(view, "public")


def staff(role: str | None = None) -> Callable[[Callable], Callable]:
    """Require a signed-in staff member (of `role`, when given; a supervisor may do what an agent does).

    The member is read again on every request, so an account removed or given a new password meanwhile is
    signed out. A lockout
    refuses only new sign-ins: anyone can type five wrong passwords for a name, and must not thereby throw
    out the member already at work.
    A page answers a stranger with the sign-in form; a JSON endpoint (what the page polls) with 401.
    """

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            staff_id = session.get("staff_id")
            member = None
            if isinstance(staff_id, int):
                rt = runtime()
                with rt.transaction(read_only=True) as db:
                    member = db.get(Staff, staff_id)
                    if member is not None:
                        db.expunge(member)
                if member is not None and not hmac.compare_digest(
                    str(session.get("password_mark", "")), password_mark(member.password_hash)
                ):
                    member = None  # the password was changed since this sign-in: the session ends
            if member is None:
                session.pop("staff_id", None)
                if request.path.endswith(".json") or request.method != "GET":
                    return Response('{"error": "sign in first"}\n', status=401, mimetype="application/json")
                return redirect(url_for("desk.login", next=request.full_path.rstrip("?")))
            if role == StaffRole.SUPERVISOR and member.role != StaffRole.SUPERVISOR:
                return Response("this page is for supervisors\n", status=403, mimetype="text/plain")
            g.staff = member
            return view(*args, **kwargs)

        return _mark(wrapper, f"staff:{role}" if role else "staff")

    return decorate


def password_mark(password_hash: str) -> str:
    """A mark of the member's stored password kept in the session at sign-in: a new password (a reset)
    changes it, and every session signed in with the old one ends. Keyed with the app's secret, so the
    cookie (signed, not encrypted) does not carry anything about the hash itself."""
    key = current_app.secret_key
    key = key.encode("utf-8") if isinstance(key, str) else key
    return hmac.new(key, password_hash.encode("utf-8"), "sha256").hexdigest()[:32]


def staff_sign_in(view: Callable) -> Callable:
    return _mark(view, "staff:sign-in")
