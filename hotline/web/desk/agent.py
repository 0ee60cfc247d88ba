"""The agent's page: the callers waiting for a person, the caller taken, and the callbacks to make.

The queue and the callbacks list hold only masked names and numbers; the page polls `live.json` for them.
The taken caller's records (licence, vehicles, violations, bookings) are shown only on the page itself,
and each showing writes an audit record: who looked, whose data, when and why.
"""

from __future__ import annotations

from pathlib import Path

from flask import flash, g, jsonify, redirect, render_template, send_from_directory, session, url_for
from sqlalchemy import select

from ...clock import as_utc
from ...db.queue import QueueEntry
from ...domain.reaching_a_person import QueueOutcome
from ...domain.refusals import RefusalCode
from ...masking import mask_phone
from ...services import callbacks, queue
from ...services import staff as staff_service
from ...services.caller_context import caller_context
from ...services.errors import Refusal
from ...services.identity import Party, party_by_key
from ..auth import runtime, staff
from .blueprint import bp

STATIC = Path(__file__).parent / "static"
# How often the agent's page asks for the queue (milliseconds).
POLL_MS = 3000


def _agent_number() -> str:
    """Where the hotline rings this agent: their own phone, else the hotline's agent line."""
    return g.staff.phone or runtime().settings.agent_number


def _live(db, now) -> dict:
    waiting = queue.waiting(db, now)
    open_callbacks = callbacks.open_list(db, now)
    return {
        "queue": [
            {
                "entry": c.entry_id,
                "position": c.position,
                "waited_seconds": c.waited_seconds,
                "verified": c.verified,
                "name": c.name_masked or "",
                "number": c.number_masked,
                "menu": c.menu_node,
                "language": c.language,
            }
            for c in waiting
        ],
        "callbacks": [
            {
                "id": c.id,
                "number": c.number_masked,
                "verified": c.verified,
                "menu": c.menu_node,
                "language": c.language,
                "requested_at": c.requested_at.isoformat(),
                "due_at": c.due_at.isoformat(),
                "due": c.due,
                "state": c.state,
                "attempts": c.attempts,
            }
            for c in open_callbacks
        ],
    }


@bp.route("")
@staff()
def agent():
    rt = runtime()
    now = rt.clock.now()
    taken = session.get("taken")
    context = None
    with rt.transaction() as db:
        live = _live(db, now)
        party = None
        if taken and taken.get("how") == "queue":
            taken, party = _queue_caller(db, taken, now)
        elif taken and taken.get("party"):
            party = party_by_key(db, *taken["party"])
        if taken and party is not None:
            context = caller_context(db, rt.clock, party, rt.calendar)
            staff_service.audit(
                db,
                g.staff.id,
                subject_kind=party.kind,
                subject_id=party.id,
                reason=taken["why"],
                page="agent: caller's context",
                now=now,
            )
    return render_template(
        "desk/agent.html", title="Callers", page="agent", live=live, taken=taken, context=context, poll_ms=POLL_MS
    )


def _queue_caller(db, taken: dict, now) -> tuple[dict | None, Party | None]:
    """The caller this agent's call really took, read again: Twilio may have connected another caller than
    the one at the front of our list (`queue.connected` then moves the record), or the agent's phone went
    unanswered (the caller waits again), or the call ended. Records only while the entry is taken by this
    member and not ended; the party is the entry's own."""
    row = db.scalar(
        select(QueueEntry).where(
            QueueEntry.agent_call_sid == taken.get("agent_call_sid"),
            QueueEntry.staff_id == g.staff.id,
            QueueEntry.outcome == QueueOutcome.TAKEN,
            QueueEntry.ended_at.is_(None),
        )
    )
    if row is None:
        return None, None
    party = party_by_key(db, row.party_kind, row.party_id) if row.verified and row.party_kind else None
    view = {
        **taken,
        "number": mask_phone(row.number),
        "verified": row.verified,
        "menu": row.menu_node,
        "language": row.language,
        "waited_seconds": int((as_utc(row.left_at or now) - as_utc(row.entered_at)).total_seconds()),
    }
    return view, party


@bp.route("/live.json")
@staff()
def live():
    rt = runtime()
    with rt.transaction(read_only=True) as db:
        return jsonify(_live(db, rt.clock.now()))


@bp.route("/take-next", methods=["POST"])
@staff()
def take_next():
    rt = runtime()
    try:
        with rt.transaction() as db:
            call = queue.take_next(rt, db, staff_id=g.staff.id, agent_number=_agent_number())
    except Refusal as refusal:
        flash(f"The call could not be placed ({refusal.facts.get('reason', refusal.code)}); the caller still waits.")
        return redirect(url_for("desk.agent"))
    if call is None:
        flash("Nobody is waiting.")
        return redirect(url_for("desk.agent"))
    # Only which call: the caller's details and records are read again from the entry on every showing.
    session["taken"] = {
        "how": "queue",
        "entry": call.entry_id,
        "agent_call_sid": call.agent_call_sid,
        "why": "caller taken from the voice queue",
    }
    flash(f"Your phone ({_masked_agent_number()}) rings now: answer it to talk to the caller.")
    return redirect(url_for("desk.agent"))


@bp.route("/callbacks/<int:callback_id>/call", methods=["POST"])
@staff()
def call_back(callback_id: int):
    rt = runtime()
    try:
        with rt.transaction() as db:
            view = callbacks.call_now(rt, db, callback_id, staff_id=g.staff.id, agent_number=_agent_number())
            party = callbacks.party_of(db, callback_id)
    except Refusal as refusal:
        reasons = {
            RefusalCode.NO_SUCH_CALLBACK: "There is no such callback.",
            RefusalCode.CALLBACK_NOT_WAITING: "Someone is already calling back, or the callback is settled.",
        }
        flash(reasons.get(refusal.code, f"The call could not be placed ({refusal.facts.get('reason', '')})."))
        return redirect(url_for("desk.agent"))
    session["taken"] = {
        "how": "callback",
        "number": view.number_masked,
        "verified": view.verified,
        "menu": view.menu_node,
        "language": view.language,
        "waited_seconds": None,
        "party": [party.kind, party.id] if party is not None else None,
        "why": "calling back at the citizen's request",
    }
    flash(f"Calling {view.number_masked}; when they answer, your phone ({_masked_agent_number()}) rings.")
    return redirect(url_for("desk.agent"))


@bp.route("/done", methods=["POST"])
@staff()
def done():
    session.pop("taken", None)
    return redirect(url_for("desk.agent"))


@bp.route("/static/<path:filename>")
@staff()
def static(filename: str):
    return send_from_directory(STATIC, filename, max_age=3600)


def _masked_agent_number() -> str:
    return mask_phone(_agent_number())
