"""The web application: one Runtime and the blueprints. `hotline.factory.create_app` adds the commands."""

from __future__ import annotations

from flask import Flask, Response, request

from .. import logs
from ..clock import Clock
from ..config import Settings
from ..runtime import Runtime
from . import api, desk, ops, receipts, sms, unavailable, voice, voice_queue


def create_web_app(settings: Settings | None = None, *, clock: Clock | None = None) -> Flask:
    settings = settings or Settings.from_env()
    settings.check()
    app = Flask("hotline")
    app.config["JSON_AS_ASCII"] = False
    app.json.ensure_ascii = False
    # The largest body we accept (an events batch of 10,000 records); bigger ones get 413 before reading.
    app.config["MAX_CONTENT_LENGTH"] = 32 * 1024 * 1024
    app.extensions["hotline"] = Runtime.from_settings(settings, clock=clock)
    if settings.log_json:
        logs.configure()
    logs.install_request_logging(app)

    @app.before_request
    def _query_is_utf8():
        # Twilio and our clients percent-encode; raw bytes that are not UTF-8 made Werkzeug raise (a 500)
        # wherever the query was read. A clear 400 before any route, the signature check included.
        try:
            request.query_string.decode("utf-8")
        except UnicodeDecodeError:
            return Response("the query string is not UTF-8\n", status=400, mimetype="text/plain")
        return None

    for blueprint in (voice.bp, voice_queue.bp, sms.bp, api.bp, ops.bp, receipts.bp):
        app.register_blueprint(blueprint)
    unavailable.install(app)
    desk.install(app)
    return app
