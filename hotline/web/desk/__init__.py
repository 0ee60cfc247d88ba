"""The staff desk (/desk): sign-in, the agent's page and the supervisor's pages.

Server-rendered Jinja pages with plain forms; CSRF on every form (Flask-WTF, checked for every POST to
/desk); a little vanilla JavaScript where a page updates itself. Every route needs a signed-in staff member
(`auth.staff`), but the sign-in form. What the pages show comes from `hotline.services`; nothing here
queries the database directly.
"""

from __future__ import annotations

from flask import Flask

from . import agent, announcement, signin, supervisor  # noqa: F401  (their routes join bp)
from .blueprint import SESSION_LIFETIME, DeskSessions, bp, csrf


def install(app: Flask) -> None:
    settings = app.extensions["hotline"].settings
    app.secret_key = settings.desk_secret_key
    app.session_interface = DeskSessions()
    app.config.update(
        SESSION_COOKIE_NAME="hotline_desk",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Production sits behind TLS (README, Deploy): the cookie never travels in clear there.
        SESSION_COOKIE_SECURE=settings.production,
        PERMANENT_SESSION_LIFETIME=SESSION_LIFETIME,
        WTF_CSRF_CHECK_DEFAULT=False,
        # A token lives as long as the signed-in session: an agent's page stays open all shift.
        WTF_CSRF_TIME_LIMIT=None,
    )
    csrf.init_app(app)
    app.register_blueprint(bp)
