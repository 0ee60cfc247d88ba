"""One webhook of a call: load the state, step the flow (running the actions it asks for), save, twiml.

The only impure part of the IVR besides the actions themselves. Webhooks carry a step number; the answer
to each step is kept, so a Twilio retry of step n gets the same TwiML back and its action is not run twice.
"""

from __future__ import annotations

import logging

from .. import metrics
from ..runtime import Runtime
from . import actions, engine, state, twiml
from .loader import Flow
from .protocol import Action, CallState, Event

log = logging.getLogger(__name__)
MAX_ACTIONS = 12  # actions run inside one webhook; the flow checker makes sure they cannot circle


def advance(rt: Runtime, flow: Flow, current: CallState | None, event: Event) -> tuple[CallState, list[Action]]:
    """Step until the call waits for the caller: every `run` action is executed and its result fed back."""
    new, said = engine.step(flow, current, event)
    spoken = list(said)
    for _ in range(MAX_ACTIONS):
        if not spoken or "run" not in spoken[-1]:
            return new, spoken
        request = spoken.pop()
        try:
            outcome, updates = actions.run(rt, request["run"], request.get("params") or {}, new)
        except Exception:
            # The flow's own apology path (the error node) handles it; the log says what broke, without
            # personal data (call variables stay out of it).
            log.exception("ivr action failed", extra={"action": request["run"], "node": new.get("node")})
            outcome, updates = "error", {}
        new, said = engine.step(flow, new, {"type": "result", "outcome": outcome, "vars": updates})
        spoken.extend(said)
    raise engine.EngineError(f"more than {MAX_ACTIONS} actions in one webhook")


def answer(rt: Runtime, flow: Flow, call_sid: str, step: int, event: Event) -> str:
    """TwiML for webhook number `step` of call `call_sid` (0 is the incoming call)."""
    conn = rt.redis
    ttl = rt.settings.call_state_ttl_seconds
    prefix = rt.settings.rq_queue_prefix
    # One round trip: the answer given, or the lock and the state.
    start = state.begin(conn, call_sid, step, prefix=prefix)
    if start.answer is not None:
        return start.answer
    if not start.claimed:
        # Another copy of this webhook is being answered right now; give the same answer.
        found = state.wait_for_answer(conn, call_sid, step, prefix=prefix)
        if found is not None:
            return found
        raise engine.EngineError("a copy of this webhook is still being answered")
    current = start.state
    if event["type"] != "start":
        if current is None:
            # The state ran out (TTL) or never existed: start over rather than drop the caller.
            event = {"type": "start", "caller": event.get("caller", "")}
        elif step != current["step"]:
            # Out of order (not a retry of an answered step): say where we are again.
            event = {"type": "repeat"}
    metrics.IVR_STEPS.labels(kind=event["type"]).inc()
    new, said = advance(rt, flow, current, event)
    answer = twiml.from_actions(said, rt.settings, new["language"])
    state.save(conn, call_sid, step, new, answer, ttl, prefix=prefix)
    return answer
