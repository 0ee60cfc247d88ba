"""A per-number limit on queries by text: a polite reply once, then silence until the window passes.

A fixed window counted in Redis (one INCR per message, the key expiring with its window). The window is
read from the injected clock so that tests can move through it. Silence, not an error reply, after the
first warning: a number in a loop with an auto-responder must not be answered message for message.
Opt-out and opt-in never pass through here (carrier rules: TD is always honoured).

When Redis is down the limit is not enforced: a degraded hotline still answers.
"""

from __future__ import annotations

from enum import StrEnum

import redis

from ..clock import Clock
from ..redis_scripts import script

# Count and set the key's lifetime in one atomic round trip.
_COUNT = """
local count = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[1])
return count
"""


class Verdict(StrEnum):
    ALLOW = "allow"
    WARN = "warn"  # the first message over the limit: tell the sender, once
    SILENT = "silent"  # every later one in the same window: answer with nothing


def check(client: redis.Redis, clock: Clock, phone: str, *, limit: int, window_seconds: int,
          prefix: str = "hotline") -> Verdict:
    """Count one query from `phone` and say whether to answer it."""
    window = int(clock.now().timestamp()) // window_seconds
    key = f"{prefix}:sms:{phone}:rate:{window}"
    try:
        count = script(client, _COUNT)(keys=[key], args=[window_seconds + 60])
    except redis.RedisError:
        return Verdict.ALLOW
    if count <= limit:
        return Verdict.ALLOW
    return Verdict.WARN if count == limit + 1 else Verdict.SILENT
