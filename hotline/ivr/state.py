"""Call state in Redis, keyed by CallSid, with a TTL; and the last answer per (CallSid, step).

Twilio retries a webhook it got no answer to. The step number in every Gather's URL makes the retry
recognisable: if we already answered step n, the same TwiML goes back and the action behind it (a booking)
is not run again. A short lock per (CallSid, step) keeps two copies of one webhook that arrive together
from both running; the second waits for the first one's answer.
"""

from __future__ import annotations

import json
import time
from typing import Any

import redis

PREFIX = "ivr:call"
LOCK_SECONDS = 20


def _state_key(call_sid: str) -> str:
    return f"{PREFIX}:{call_sid}:state"


def _answers_key(call_sid: str) -> str:
    return f"{PREFIX}:{call_sid}:answers"  # a hash: step number -> TwiML


def _lock_key(call_sid: str, step: int) -> str:
    return f"{PREFIX}:{call_sid}:lock:{step}"


def load(conn: redis.Redis, call_sid: str) -> dict[str, Any] | None:
    raw = conn.get(_state_key(call_sid))
    return json.loads(raw) if raw else None


def answered(conn: redis.Redis, call_sid: str, step: int) -> str | None:
    raw = conn.hget(_answers_key(call_sid), str(step))
    return raw.decode("utf-8") if raw else None


def claim(conn: redis.Redis, call_sid: str, step: int) -> bool:
    """True when this request is the one that answers step n (no other copy is answering it)."""
    return bool(conn.set(_lock_key(call_sid, step), "1", nx=True, ex=LOCK_SECONDS))


def wait_for_answer(conn: redis.Redis, call_sid: str, step: int, deadline_seconds: float = 8.0) -> str | None:
    """A copy of a webhook that is being answered right now: wait (with a deadline) for that answer."""
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        found = answered(conn, call_sid, step)
        if found is not None:
            return found
        time.sleep(0.05)
    return None


def save(conn: redis.Redis, call_sid: str, step: int, state: dict[str, Any], answer: str, ttl: int) -> None:
    """The new state and the answer to step n, together, so a retry finds both or neither."""
    pipe = conn.pipeline(transaction=True)
    pipe.set(_state_key(call_sid), json.dumps(state, ensure_ascii=False, default=str), ex=ttl)
    pipe.hset(_answers_key(call_sid), str(step), answer)
    pipe.expire(_answers_key(call_sid), ttl)
    pipe.execute()


def drop(conn: redis.Redis, call_sid: str) -> int:
    """Forget the call (its status says completed). Two keys, no scan: the per-step locks expire by
    themselves within seconds."""
    return conn.delete(_state_key(call_sid), _answers_key(call_sid))
