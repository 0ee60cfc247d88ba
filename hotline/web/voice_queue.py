"""The voice queue and callbacks: Twilio's requests while a caller waits for a person, and for the calls
the hotline places (an agent's "take next" and "call now").

- `POST /voice/queue/wait` — the `<Enqueue waitUrl>`: place and expected wait, 1 for a callback; the first
  request records the caller in the queue (who, verified or not, the menu they left, their language)
- `POST /voice/queue/key` — the key pressed while waiting: 1 leaves the queue with a callback request
- `POST /voice/queue/agent?entry=N` — the agent's leg of "take next": `<Dial><Queue>`
- `POST /voice/queue/connected?entry=N` — `<Queue url>`: the caller Twilio connected, told so
- `POST /voice/queue/agent-status?entry=N` — the agent's leg ended; unanswered puts the caller back
- `POST /voice/callbacks/connect?id=N&agent=…` — the citizen called back picked up: dial the agent
- `POST /voice/callbacks/dialled?id=N` — the `<Dial action>`: done only when the agent answered, else
  waiting again, or missed and a text (to a mobile)
- `POST /voice/callbacks/status?id=N` — the callback call ended without reaching the Dial: waiting again,
  or missed and a text (to a mobile)

How a caller left the queue (Twilio's `QueueResult`) arrives at `/voice/dial` with the call's step, where
the menu goes on (web/voice.py). Every route checks the signature first; a failure after it never leaves
a caller in silence or gets Twilio an HTTP 500.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, request
from werkzeug.exceptions import HTTPException

from .. import phones
from ..clock import CHINA
from ..digits import whole_number
from ..domain.reaching_a_person import QueueOutcome
from ..ivr import actions, queue_twiml, state, twiml
from ..notify import outbox, sender
from ..replies import clip
from ..services import callbacks, queue
from ..services.errors import Refusal
from ..services.identity import party_by_key
from ..templates import render
from . import numbers
from .auth import runtime, twilio_signed
from .voice import CALL_SID, flow

log = logging.getLogger(__name__)
bp = Blueprint("voice_queue", __name__, url_prefix="/voice")
NO_CONTENT = Response("", status=204)


def _twiml(body: str) -> Response:
    return Response(body, status=200, mimetype="application/xml")


def _sid(field: str = "CallSid") -> str | None:
    sid = request.form.get(field, "")
    return sid if CALL_SID.fullmatch(sid) else None


def _arg(name: str) -> int | None:
    return whole_number(request.args.get(name, ""), max_digits=9)  # within an INTEGER column


def _language(value: str | None) -> str:
    return "en" if value == "en" else "zh-CN"


# --- the caller in the queue ---------------------------------------------------------------------------


@bp.post("/queue/wait")
@twilio_signed
def wait():
    sid = _sid()
    if sid is None:
        return _twiml(queue_twiml.hold())
    rt = runtime()
    now = rt.clock.now()
    position = whole_number(request.form.get("QueuePosition", ""), max_digits=6)
    average_queue_time = whole_number(request.form.get("AvgQueueTime", ""), max_digits=9)
    with rt.transaction() as session:
        row = queue.entry(session, sid)
        if row is None:
            row = _join(rt, session, now, sid, position)
        else:
            queue.seen(session, now, row, position)
        language = row.language
        handling = queue.average_handling_seconds(session, now)
    expected = queue.expected_wait_seconds(position or 1, handling, average_queue_time)
    return _twiml(queue_twiml.wait(rt.settings, flow(), language, position or 1, expected))


def _join(rt, session, now, sid: str, position: int | None):
    """The first wait request of a call: who it is, from the call's menu state (the menu they left)."""
    current = None
    try:
        current = state.load(rt.redis, sid, prefix=rt.settings.rq_queue_prefix)
    except Exception:  # Redis gone: the caller still waits, known by the number alone
        log.warning("queue: the call state could not be read", exc_info=True)
    if current is None:
        number = numbers.sender(request.form.get("From", "")) or "anonymous"
        return queue.join(
            session,
            now,
            call_sid=sid,
            number=number,
            party=None,
            verified=False,
            menu_node="agent",
            language="zh-CN",
            position=position,
        )
    party = actions.caller_party(current)
    if party is None and current["vars"].get("party"):
        party = current["vars"]["party"]  # identified by the number, not verified
    return queue.join(
        session,
        now,
        call_sid=sid,
        number=current.get("caller") or "anonymous",
        party=party,
        verified=bool(current["vars"].get("verified")),
        menu_node=actions.menu_left(current),
        language=current.get("language") or "zh-CN",
        position=position,
    )


@bp.post("/queue/key")
@twilio_signed
def key():
    sid = _sid()
    if sid is None:
        return _twiml(queue_twiml.hold())
    rt = runtime()
    with rt.transaction(read_only=True) as session:
        row = queue.entry(session, sid)
        if row is None:
            return _twiml(queue_twiml.hold())
        number, language, menu = row.number, row.language, row.menu_node
        party = None
        if row.verified and row.party_kind and row.party_id:
            party = party_by_key(session, row.party_kind, row.party_id)
        position = row.position or 1
    if request.form.get("Digits", "") != "1":
        return _twiml(queue_twiml.wait(rt.settings, flow(), language, position, None))
    outcome, due = actions.ask_callback(rt, number=number, party=party, menu_node=menu, language=language)
    if outcome == "no_number":
        return _twiml(queue_twiml.say_then_wait(rt.settings, flow(), language, "queue_no_number"))
    with rt.transaction() as session:
        queue.left(session, rt.clock.now(), sid, QueueOutcome.CALLBACK)
    if outcome == "open":
        return _twiml(
            queue_twiml.left_for_callback(
                rt.settings, flow(), language, "queue_callback_open", callback_due=due.astimezone(CHINA)
            )
        )
    return _twiml(queue_twiml.left_for_callback(rt.settings, flow(), language, "queue_callback"))


# --- the agent's leg of "take next" --------------------------------------------------------------------


@bp.post("/queue/agent")
@twilio_signed
def agent():
    entry_id = _arg("entry")
    if entry_id is None:
        return _twiml(twiml.apology(runtime().settings, {}, agent_open=False, hours=None))
    return _twiml(queue_twiml.agent_leg(runtime().settings, entry_id))


@bp.post("/queue/connected")
@twilio_signed
def connected():
    sid, entry_id = _sid(), _arg("entry")
    rt = runtime()
    language = "zh-CN"
    if sid is not None and entry_id is not None:
        with rt.transaction() as session:
            row = queue.connected(session, rt.clock.now(), sid, entry_id)
            language = row.language if row is not None else language
    return _twiml(queue_twiml.connecting(rt.settings, flow(), language))


@bp.post("/queue/agent-status")
@twilio_signed
def agent_status():
    sid, entry_id = _sid(), _arg("entry")
    if sid is not None and entry_id is not None and request.form.get("CallStatus") != "completed":
        rt = runtime()
        with rt.transaction() as session:
            queue.agent_unanswered(session, entry_id, sid)
    return NO_CONTENT


# --- callbacks -----------------------------------------------------------------------------------------


@bp.post("/callbacks/connect")
@twilio_signed
def callback_connect():
    rt = runtime()
    callback_id = _arg("id")
    agent = phones.from_twilio(request.args.get("agent", ""))  # our own setting, signed into the URL
    agent_number = agent.e164 if agent is not None and agent.possible else None
    view = None
    if callback_id is not None:
        with rt.transaction(read_only=True) as session:
            view = callbacks.get(session, rt.clock.now(), callback_id)
    if view is None or agent_number is None:
        return _twiml(twiml.apology(rt.settings, {}, agent_open=False, hours=None))
    action = f"{callbacks.DIALLED_PATH}?id={view.id}"
    return _twiml(queue_twiml.callback_connect(rt.settings, flow(), _language(view.language), agent_number, action))


@bp.post("/callbacks/dialled")
@twilio_signed
def callback_dialled():
    _settle(callbacks.dialled, request.form.get("DialCallStatus", ""))
    return _twiml(queue_twiml.hang_up())


@bp.post("/callbacks/status")
@twilio_signed
def callback_status():
    _settle(callbacks.settle, request.form.get("CallStatus", ""))
    return NO_CONTENT


def _settle(settle, status: str) -> None:
    """Settle the callback named by `id` with `settle` (services/callbacks.py), and text a missed one."""
    rt = runtime()
    sid, callback_id = _sid(), _arg("id")
    if sid is None or callback_id is None:
        return
    text_ids = []
    with rt.transaction() as session:
        settled = settle(session, rt.clock.now(), callback_id, sid, status)
        if settled is not None and settled.missed_text_to is not None:
            language = _language(settled.language)
            body = clip(rt.settings.sms_signature + render(language, "texts/callback", case="missed"), language)
            text_ids.append(
                outbox.queue_text(session, rt.clock.now(), to=settled.missed_text_to, purpose="callback", body=body)
            )
    sender.enqueue_quietly(rt, text_ids, urgent=True)


@bp.errorhandler(Exception)
def never_a_dead_line(error: Exception):
    if isinstance(error, HTTPException):
        return error
    if isinstance(error, Refusal):
        log.warning("voice queue refusal", extra={"path": request.path, "code": error.code})
    else:
        log.exception("voice queue webhook failed", extra={"path": request.path})
    if request.path.endswith("status"):
        return NO_CONTENT  # Twilio only records a status callback
    if request.path == "/voice/callbacks/dialled":
        return _twiml(queue_twiml.hang_up())  # the Dial is over; the call ends
    if request.path in ("/voice/queue/wait", "/voice/queue/key", "/voice/queue/connected"):
        return _twiml(queue_twiml.hold())  # the caller keeps their place
    return _twiml(twiml.apology(runtime().settings, {}, agent_open=False, hours=None))
