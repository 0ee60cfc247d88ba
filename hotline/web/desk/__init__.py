"""The staff desk (/desk): sign-in, the agent's page and the supervisor's pages.

Server-rendered Jinja pages with plain forms; CSRF on every form (Flask-WTF, checked for every POST to
/desk); a little vanilla JavaScript where a page updates itself. Every route needs a signed-in staff member
(`auth.staff`), but the sign-in form. What the pages show comes from `hotline.services`; nothing here
queries the database directly.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Flask, Response, render_template
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError, CSRFProtect

bp = Blueprint("desk", __name__, url_prefix="/desk", template_folder="templates")
csrf = CSRFProtect()
# A shift; then the desk asks for the password again.
SESSION_LIFETIME = timedelta(hours=9)


@bp.before_request
def _check_csrf():
    # Only the desk's forms carry a token: Twilio's webhooks and the upstream API are authenticated their own
    # way, so CSRF is not checked by default (WTF_CSRF_CHECK_DEFAULT) but here, for every desk POST.
    csrf.protect()


@bp.errorhandler(CSRFError)
def _csrf_failed(error: CSRFError):
    body = render_template(
        "desk/message.html",
        title="The form has expired",
        message="Please go back, reload the page and try again.",
        detail=error.description,
    )
    return Response(body, status=400)


class DeskSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie session, opened for the desk's pages only. Every other route (Twilio's webhooks,
    the API) has no session to read or write; opening one built a signing serializer on every webhook,
    about 3 % of a voice step's CPU."""

    def open_session(self, app, request):
        if request.path != bp.url_prefix and not request.path.startswith(f"{bp.url_prefix}/"):
            return self.null_session_class()
        return super().open_session(app, request)


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
    from . import agent, announcement, signin, supervisor  # noqa: F401  (their routes join bp)

    app.register_blueprint(bp)
