"""The per-number limit: allowed up to the limit, one warning, then silence until the next window."""

from __future__ import annotations

import redis

from hotline.sms.ratelimit import Verdict, check


def verdicts(redis_conn, clock, phone, n, limit=3, window=600):
    return [check(redis_conn, clock, phone, limit=limit, window_seconds=window, prefix="test") for _ in range(n)]


def test_warn_once_then_silence(redis_conn, clock):
    clock.advance(seconds=600 - int(clock.now().timestamp()) % 600)  # the start of a window
    assert verdicts(redis_conn, clock, "+8613800138000", 6) == [Verdict.ALLOW] * 3 + [Verdict.WARN] + [
        Verdict.SILENT] * 2


def test_the_next_window_starts_afresh(redis_conn, clock):
    clock.advance(seconds=600 - int(clock.now().timestamp()) % 600)
    verdicts(redis_conn, clock, "+8613800138000", 5)
    clock.advance(seconds=600)
    assert verdicts(redis_conn, clock, "+8613800138000", 1) == [Verdict.ALLOW]


def test_numbers_are_counted_apart(redis_conn, clock):
    clock.advance(seconds=600 - int(clock.now().timestamp()) % 600)
    verdicts(redis_conn, clock, "+8613800138000", 5)
    assert verdicts(redis_conn, clock, "+8613900000000", 1) == [Verdict.ALLOW]


def test_redis_down_allows(clock, redis_server):
    from tests.conftest import free_port

    gone = redis.Redis(port=free_port(), socket_connect_timeout=1)
    assert check(gone, clock, "+8613800138000", limit=0, window_seconds=60) is Verdict.ALLOW
