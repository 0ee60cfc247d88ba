"""The desk's blueprint and its CSRF protection; the page modules add their routes to `bp`."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, render_template
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
