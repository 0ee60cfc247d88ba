"""The sending-side rules: the window, the daily cap per number, the segment rate, and the pause switch.

- Window: non-urgent notices go out only inside `settings.send_window` (China time); outside it they wait
  in `planned` for the next opening.
- Cap: at most `settings.daily_cap` notices per number in any 24 hours, urgent ones included (the carrier
  rule does not care). What counts is every notice handed to the sending path in the last 24 hours and not
  failed or skipped on the way (queued, claimed, unknown, accepted, delivered, undelivered). Transactional
  texts (one-time codes, copies of answers, kinds X..) are neither capped nor counted: the caller asked.
- Rate: a Redis token bucket of `settings.sender_segments_per_second` SMS segments per second for the
  sender, shared by every worker on every machine.
- Pause: a provider-wide fault (bad credentials, a sender the provider refuses) or an operator stops all
  sending with one Redis flag; nothing is failed while paused, the notices wait.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from datetime import datetime, timedelta

import redis
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import CHINA
from ..config import Settings
from ..db import Notice, NoticeState
from ..redis_scripts import script

log = logging.getLogger(__name__)

DAY = timedelta(hours=24)
COUNTED_STATES = (
    NoticeState.QUEUED, NoticeState.CLAIMED, NoticeState.UNKNOWN, NoticeState.ACCEPTED,
    NoticeState.DELIVERED, NoticeState.UNDELIVERED,
)
TRANSACTIONAL_PREFIX = "X"


# -- window -----------------------------------------------------------------------------------------
def in_window(settings: Settings, at: datetime) -> bool:
    return at.astimezone(CHINA).time() in settings.send_window


def next_opening(settings: Settings, at: datetime) -> datetime:
    """The next moment the window opens after `at` (today's opening if still ahead, else tomorrow's)."""
    start = settings.send_window.start
    local = at.astimezone(CHINA)
    opening = local.replace(hour=start.hour, minute=start.minute, second=0, microsecond=0)
    if opening <= local:
        opening += timedelta(days=1)
    return opening


# -- daily cap --------------------------------------------------------------------------------------
def is_capped(kind: str) -> bool:
    return not kind.startswith(TRANSACTIONAL_PREFIX)


def recent_sends(session: Session, phones: Iterable[str], now: datetime) -> dict[str, list[datetime]]:
    """For each number, when its notices of the last 24 hours were queued, oldest first."""
    phones = sorted(set(phones))
    found: dict[str, list[datetime]] = {phone: [] for phone in phones}
    for start in range(0, len(phones), 500):  # SQLite's variable limit
        chunk = phones[start:start + 500]
        # Only the phone and time in SQL, so the planner takes the index on phone; states and kinds are
        # sorted out here. (Filtering on state in SQL lets PostgreSQL pick the state index while a big
        # dispatch is under way, and scan every queued notice once per chunk.)
        rows = session.execute(
            select(Notice.phone, Notice.queued_at, Notice.state, Notice.kind)
            .where(Notice.phone.in_(chunk), Notice.queued_at > now - DAY)
        )
        for phone, queued_at, state, kind in rows:
            if state in COUNTED_STATES and is_capped(kind):
                found[phone].append(queued_at)
    for sent in found.values():
        sent.sort()
    return found


def cap_wait(sent: list[datetime], cap: int, now: datetime) -> datetime | None:
    """None if one more may go now; else when the oldest send that keeps the number at its cap turns 24 h."""
    if len(sent) < cap:
        return None
    return max(sent[len(sent) - cap] + DAY, now + timedelta(seconds=1))


# -- token bucket -----------------------------------------------------------------------------------
# Reserve n tokens and say how long to wait before using them. The bucket may go into debt, so a
# reservation is never refused: callers wait their turn, and the rate over time is exactly `rate`.
_RESERVE = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local n = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local saved = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(saved[1]) or burst
local at = tonumber(saved[2]) or now
tokens = math.min(burst, tokens + (now - at) * rate) - n
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], 3600)
if tokens >= 0 then return '0' end
return tostring(-tokens / rate)
"""


class TokenBucket:
    """Segments per second for one sender, shared through Redis by every worker."""

    def __init__(self, connection: redis.Redis, key: str, rate: float, burst: float | None = None) -> None:
        self.key = key
        self.rate = float(rate)
        self.burst = float(burst if burst is not None else max(rate, 1.0))
        self.script = script(connection, _RESERVE)

    def reserve(self, segments: int) -> float:
        """Take `segments` tokens; returns the seconds to wait before sending them (0 when available)."""
        if self.rate <= 0:
            return 0.0
        return float(self.script(keys=[self.key], args=[self.rate, self.burst, segments]))

    def take(self, segments: int) -> float:
        """Reserve and wait; returns the seconds waited."""
        wait = self.reserve(segments)
        if wait > 0:
            time.sleep(wait)
        return wait


def bucket_for(settings: Settings, connection: redis.Redis) -> TokenBucket:
    sender = settings.twilio_messaging_service_sid or settings.twilio_from_number
    return TokenBucket(connection, f"{settings.rq_queue_prefix}:bucket:{sender}", settings.sender_segments_per_second)


# -- pause ------------------------------------------------------------------------------------------
def _pause_key(settings: Settings) -> str:
    return f"{settings.rq_queue_prefix}:notices:paused"


def pause(settings: Settings, connection: redis.Redis, reason: str) -> None:
    """Stop all sending until `resume`; the reason is kept for the operator and the metrics."""
    if connection.set(_pause_key(settings), reason, nx=True):
        log.critical("notice sending PAUSED: %s (resume with `flask notices resume` once fixed)", reason)


def resume(settings: Settings, connection: redis.Redis) -> bool:
    resumed = bool(connection.delete(_pause_key(settings)))
    if resumed:
        log.warning("notice sending resumed")
    return resumed


def paused(settings: Settings, connection: redis.Redis) -> str | None:
    """The reason sending is paused, or None."""
    value = connection.get(_pause_key(settings))
    return value.decode() if value is not None else None
