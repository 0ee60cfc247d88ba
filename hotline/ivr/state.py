"""Call state in Redis, keyed by CallSid, with a TTL; and the last answer per (CallSid, step).

Twilio retries a webhook it got no answer to. The step number in every Gather's URL makes the retry
recognisable: if we already answered step n, the same TwiML goes back and the action behind it (a booking)
is not run again. A short lock per (CallSid, step) keeps two copies of one webhook that arrive together
from both running; the second waits for the first one's answer.
"""

from __future__ import annotations

import time
from typing import NamedTuple

import redis

from ..redis_scripts import script
from .protocol import CallState, dump
from .protocol import load as parse

PREFIX = "ivr:call"  # after the deployment's HOTLINE_RQ_QUEUE_PREFIX: two hotlines may share one Redis
LOCK_SECONDS = 20

# What a webhook needs before it steps, in one round trip: the answer already given to this step; else the
# lock for it; and, with the lock, the state to step from. A script runs atomically, so no copy takes the
# lock of a step that was answered in between.
_BEGIN = """
local answer = redis.call('HGET', KEYS[1], ARGV[1])
if answer then return {'answered', answer} end
if not redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[2]) then return {'busy'} end
return {'claimed', redis.call('GET', KEYS[3])}
"""

# The new state and the answer to step n, atomically and in one round trip (a MULTI pipeline of the three
# commands cost twice the client CPU of the script's one EVALSHA).
_SAVE = """
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[4])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[4])
"""


class Start(NamedTuple):
    """Where webhook number n of a call stands before it runs."""

    answer: str | None  # the TwiML already given to this step: send it again, run nothing
    claimed: bool  # this request answers the step (no answer yet, no other copy answering it)
    state: CallState | None  # the call state to step from (only when claimed; None if there is none)


def key(prefix: str, call_sid: str, part: str) -> str:
    """`<prefix>:ivr:call:<CallSid>:<part>`; part is `state`, `answers` or `lock:<step>`."""
    return f"{prefix}:{PREFIX}:{call_sid}:{part}"


def _state_key(prefix: str, call_sid: str) -> str:
    return key(prefix, call_sid, "state")


def _answers_key(prefix: str, call_sid: str) -> str:
    return key(prefix, call_sid, "answers")  # a hash: step number -> TwiML


def _lock_key(prefix: str, call_sid: str, step: int) -> str:
    return key(prefix, call_sid, f"lock:{step}")


def load(conn: redis.Redis, call_sid: str, *, prefix: str) -> CallState | None:
    return _parsed(call_sid, conn.get(_state_key(prefix, call_sid)))


def _parsed(call_sid: str, raw: bytes | None) -> CallState | None:
    """The saved state with its types. One that does not fit them raises StateUnreadable (protocol.load),
    which the webhook answers like any fault: an apology, a person in office hours, a polite goodbye."""
    return parse(raw) if raw else None


def answered(conn: redis.Redis, call_sid: str, step: int, *, prefix: str) -> str | None:
    raw = conn.hget(_answers_key(prefix, call_sid), str(step))
    return raw.decode("utf-8") if raw else None


def begin(conn: redis.Redis, call_sid: str, step: int, *, prefix: str) -> Start:
    """The answer to step n if it was given; else claim step n and read the state to step from."""
    keys = [_answers_key(prefix, call_sid), _lock_key(prefix, call_sid, step), _state_key(prefix, call_sid)]
    # The script goes to Redis once, then runs by its hash.
    reply = script(conn, _BEGIN)(keys=keys, args=[str(step), LOCK_SECONDS])
    if reply[0] == b"answered":
        return Start(reply[1].decode("utf-8"), False, None)
    if reply[0] == b"busy":
        return Start(None, False, None)
    return Start(None, True, _parsed(call_sid, reply[1]))


def wait_for_answer(conn: redis.Redis, call_sid: str, step: int, deadline_seconds: float = 8.0, *,
                    prefix: str) -> str | None:
    """A copy of a webhook that is being answered right now: wait (with a deadline) for that answer."""
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        found = answered(conn, call_sid, step, prefix=prefix)
        if found is not None:
            return found
        time.sleep(0.05)
    return None


def save(conn: redis.Redis, call_sid: str, step: int, state: CallState, answer: str, ttl: int, *,
         prefix: str) -> None:
    """The new state and the answer to step n, together, so a retry finds both or neither."""
    script(conn, _SAVE)(
        keys=[_state_key(prefix, call_sid), _answers_key(prefix, call_sid)],
        args=[dump(state), str(step), answer, ttl],
    )


def drop(conn: redis.Redis, call_sid: str, *, prefix: str) -> int:
    """Forget the call (its status says completed). Two keys, no scan: the per-step locks expire by
    themselves within seconds."""
    return conn.delete(_state_key(prefix, call_sid), _answers_key(prefix, call_sid))
