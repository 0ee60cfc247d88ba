"""Opt-out and opt-in texts that arrive while the database is down: held in Redis, applied when it is back.

Carriers require TD to work always, so an opt message the database cannot take now is pushed, with the time
it arrived, onto one Redis list under the deployment's prefix, and the texter is told it is recorded. The
scheduler's sweep applies the list in arrival order, and so does the next opt message before its own (a
订阅 must not be overtaken by the TD held before it; while others are still held, it joins them instead).

Each entry is applied in a transaction of its own and only then taken off the list: a crash in between
applies it again, which changes nothing (a number opted out twice is opted out once, with one change in the
feed). One applier at a time, under a Redis lock: two would both apply the head and then each pop one.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime

import redis

from ..masking import mask_phone
from ..runtime import Runtime
from . import optout
from .grammar import parse

log = logging.getLogger(__name__)

LOCK_SECONDS = 60


def _key(rt: Runtime, name: str) -> str:
    return f"{rt.settings.rq_queue_prefix}:sms:optouts:{name}"


def hold(rt: Runtime, phone: str, body: str, opt_out_type: str | None) -> None:
    """Keep an opt message for later; raises RedisError when Redis is down too."""
    entry = {"phone": phone, "body": body, "opt_out_type": opt_out_type, "at": rt.clock.now().isoformat()}
    rt.redis.rpush(_key(rt, "held"), json.dumps(entry, ensure_ascii=False))
    log.warning("opt message held until the database is back", extra={"phone": mask_phone(phone)})


def waiting(rt: Runtime) -> int:
    return rt.redis.llen(_key(rt, "held"))


def apply(rt: Runtime) -> int:
    """Apply every held opt message, oldest first; how many were applied. Raises when the database is
    still down (the entries stay held). Another applier at work: nothing done here."""
    key = _key(rt, "held")
    if not rt.redis.llen(key):
        return 0
    lock = rt.redis.lock(_key(rt, "applying"), timeout=LOCK_SECONDS, blocking_timeout=5)
    if not lock.acquire():
        return 0
    applied = 0
    try:
        while (raw := rt.redis.lindex(key, 0)) is not None:
            entry = json.loads(raw)
            with rt.transaction() as session:
                optout.handle(session, entry["phone"], parse(entry["body"]), entry["opt_out_type"],
                              datetime.fromisoformat(entry["at"]))
            rt.redis.lpop(key)
            applied += 1
    finally:
        try:
            lock.release()
        except redis.exceptions.LockError:
            pass  # held past its timeout: it is gone already
    if applied:
        log.warning("applied %d opt messages held while the database was down", applied)
    return applied
