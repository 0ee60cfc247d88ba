"""The voice door: Twilio's webhooks for a call, answered in TwiML.

- `POST /voice/incoming` — the Voice URL: a new call
- `POST /voice/step?n=N` — what a Gather collected (the step number makes Twilio's retries recognisable)
- `POST /voice/dial?n=N` — how the wait for a person ended: the `<Enqueue>` action (`QueueResult`; the
  queue itself: web/voice_queue.py), or a `<Dial>`'s `DialCallStatus`
- `POST /voice/status` — the call's status callback; a finished call's state is dropped

Signature validation comes first on every route, then the door: a webhook without a CallSid of Twilio's
shape belongs to no call we can keep apart from others and is answered with a polite goodbye; a caller
whose `From` is no telephone number (`client:alice`, a withheld number) is a caller without a number,
asked who they are as anyone whose number is on no record. Whatever fails after it (Redis down, database error, a
bug), the caller hears an apology and is offered a person or a polite goodbye: never a dead line, never
an HTTP 500.
"""

from __future__ import annotations

import logging
import re

from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import HTTPException

from ..digits import whole_number
from ..domain.reaching_a_person import QueueOutcome
from ..ivr import actions, call, state, twiml
from ..ivr.engine import render_text
from ..ivr.loader import FLOW_DIR, LANGUAGES, Flow, load_flow
from ..services import queue
from . import numbers
from .auth import runtime, twilio_signed

log = logging.getLogger(__name__)
bp = Blueprint("voice", __name__, url_prefix="/voice")
FLOW_KEY = "hotline.ivr_flow"
FINISHED = {"completed", "busy", "failed", "no-answer", "canceled"}
# Twilio's CallSid: CA and 32 hex digits. Anything else (empty, above all) would share one call state.
CALL_SID = re.compile(r"CA[0-9a-fA-F]{32}")
# The caller of a call whose `From` is no telephone number; nobody on record has it, so the call goes on
# as one from a withheld number: asked for an ID number. Twilio itself sends it for a withheld number.
ANONYMOUS = "anonymous"


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


def _call_sid() -> str | None:
    sid = request.form.get("CallSid", "")
    if CALL_SID.fullmatch(sid):
        return sid
    log.warning("voice webhook without a CallSid of Twilio's shape", extra={"path": request.path, "length": len(sid)})
    return None


def _caller() -> str | None:
    """The `From` of the call, or None when it is no telephone number (with one log line saying so)."""
    raw, to = request.form.get("From", ""), request.form.get("To", "")
    if not numbers.to_us(to):
        numbers.not_a_number("voice webhook not answered", "To", to)
        return None
    caller = numbers.sender(raw)
    if caller is None:
        numbers.not_a_number("voice caller without a number, asked who they are", "From", raw, level=logging.INFO)
        return ANONYMOUS
    return caller


def _goodbye() -> Response:
    """A webhook that belongs to no call we can answer: a polite word and the end of the line, no state."""
    return _twiml(twiml.apology(runtime().settings, {"failure": flow().texts["unanswerable"]},
                                 agent_open=False, hours=None))


def _answer(step_number: int, event: dict) -> Response:
    sid, caller = _call_sid(), None
    if sid is not None:
        caller = _caller()
    if sid is None or caller is None:
        return _goodbye()
    return _twiml(call.answer(runtime(), flow(), sid, step_number, {**event, "caller": caller}))


@bp.post("/incoming")
@twilio_signed
def incoming():
    return _answer(0, {"type": "start"})


@bp.post("/step")
@twilio_signed
def step():
    event = {"type": "input", "digits": request.form.get("Digits", ""), "speech": request.form.get("SpeechResult", "")}
    return _answer(_step_number(), event)


# How a caller left the queue, as the menu's transfer reads it: talked to a person or chose a callback (and
# heard its confirmation) both end the call politely; anything else is "no one answered".
QUEUE_RESULT_STATUS = {"bridged": "completed", "leave": "completed", "hangup": "canceled"}


@bp.post("/dial")
@twilio_signed
def dial():
    result = request.form.get("QueueResult")
    if result is None:
        return _answer(_step_number(), {"type": "dial", "status": request.form.get("DialCallStatus", "")})
    sid = _call_sid()
    if sid is not None:
        _record_queue_result(sid, result)
    return _answer(_step_number(), {"type": "dial", "status": QUEUE_RESULT_STATUS.get(result, "failed")})


def _record_queue_result(sid: str, result: str) -> None:
    """The queue's record of how the caller left: a bridged call ended (its handling time measured), or
    the caller gone without a person (hung up, the queue full or failing). A callback was recorded when 1
    was pressed."""
    rt = runtime()
    with rt.transaction() as session:
        if result == "bridged":
            queue.ended(session, rt.clock.now(), sid)
        elif result != "leave":
            queue.left(session, rt.clock.now(), sid, QueueOutcome.ABANDONED)


@bp.post("/status")
@twilio_signed
def status():
    if request.form.get("CallStatus", "") in FINISHED:
        sid = _call_sid()
        if sid is not None:
            rt = runtime()
            state.drop(rt.redis, sid, prefix=rt.settings.rq_queue_prefix)
            _record_queue_result(sid, "hangup")  # still waiting in the queue when the call ended: abandoned
    return Response("", status=204)


@bp.errorhandler(Exception)
def never_a_dead_line(error: Exception):
    """Any failure after the signature check: an apology, then a person if one answers now, or goodbye."""
    if isinstance(error, HTTPException):
        return error  # the request itself is refused (a form too large to read): no caller to apologise to
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
    return _twiml(twiml.apology(rt.settings, texts, agent_open=agent_open, hours=hours))
