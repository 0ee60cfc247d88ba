"""The voice door: Twilio's webhooks for a call, answered in TwiML.

- `POST /voice/incoming` — the Voice URL: a new call
- `POST /voice/step?n=N` — what a Gather collected (the step number makes Twilio's retries recognisable)
- `POST /voice/dial?n=N` — how the transfer to a person ended (`DialCallStatus`)
- `POST /voice/status` — the call's status callback; a finished call's state is dropped

Signature validation comes first on every route. Whatever fails after it (Redis down, database error, a
bug), the caller hears an apology and is offered a person or a polite goodbye: never a dead line, never
an HTTP 500.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, request

from ..digits import whole_number
from ..ivr import actions, call, render, state
from ..ivr.engine import render_text
from ..ivr.loader import FLOW_DIR, LANGUAGES, Flow, load_flow
from .auth import runtime, twilio_signed

log = logging.getLogger(__name__)
bp = Blueprint("voice", __name__, url_prefix="/voice")
FLOW_KEY = "hotline.ivr_flow"
FINISHED = {"completed", "busy", "failed", "no-answer", "canceled"}


@bp.record_once
def _load_flow(setup_state) -> None:
    # Checked when the app starts: a broken flow stops the deploy, not a caller.
    setup_state.app.extensions[FLOW_KEY] = load_flow(FLOW_DIR / "main.yaml", actions.declared())


def flow() -> Flow:
    return current_app.extensions[FLOW_KEY]


def _twiml(body: str) -> Response:
    return Response(body, status=200, mimetype="application/xml")


def _step_number() -> int:
    number = whole_number(request.args.get("n", "0"), max_digits=9)
    return -1 if number is None else number  # -1: not a step we issued, the call hears where it is again


@bp.post("/incoming")
@twilio_signed
def incoming():
    sid = request.form.get("CallSid", "")
    event = {"type": "start", "caller": request.form.get("From", "")}
    return _twiml(call.answer(runtime(), flow(), sid, 0, event))


@bp.post("/step")
@twilio_signed
def step():
    sid = request.form.get("CallSid", "")
    event = {
        "type": "input",
        "digits": request.form.get("Digits", ""),
        "speech": request.form.get("SpeechResult", ""),
        "caller": request.form.get("From", ""),
    }
    return _twiml(call.answer(runtime(), flow(), sid, _step_number(), event))


@bp.post("/dial")
@twilio_signed
def dial():
    sid = request.form.get("CallSid", "")
    event = {"type": "dial", "status": request.form.get("DialCallStatus", ""), "caller": request.form.get("From", "")}
    return _twiml(call.answer(runtime(), flow(), sid, _step_number(), event))


@bp.post("/status")
@twilio_signed
def status():
    if request.form.get("CallStatus", "") in FINISHED:
        rt = runtime()
        state.drop(rt.redis, request.form.get("CallSid", ""), prefix=rt.settings.rq_queue_prefix)
    return Response("", status=204)


@bp.errorhandler(Exception)
def never_a_dead_line(error: Exception):
    """Any failure after the signature check: an apology, then a person if one answers now, or goodbye."""
    log.exception("voice webhook failed", extra={"path": request.path})
    if request.path == "/voice/status":
        return Response("", status=204)  # Twilio only records the status callback; nobody is listening
    rt = runtime()
    texts: dict[str, dict[str, str]] = {}
    agent_open, hours = False, None
    try:
        texts = {key: flow().texts[key] for key in ("failure", "transferring")}
        agent_open, opens, closes = actions.office_hours(rt)
        if not agent_open:
            hours = {
                language: render_text(flow(), language, flow().texts["hours"][language], start=opens, end=closes)
                for language in LANGUAGES
            }
    except Exception:  # the apology itself must not fail: keep the plain words
        log.exception("voice apology could not read the office hours")
    return _twiml(render.apology(rt.settings, texts, agent_open=agent_open, hours=hours))
