"""Sending notices: dispatch due ones to RQ in batches of ids, claim, call the provider, record what it said.

The path of a notice (ARCHITECTURE.md, "A notice's life"):

1. `dispatch` (the scheduler, every few seconds, and after a scan) takes due `planned` notices, applies
   the window and the daily cap (those that must wait get a later `not_before` and stay `planned`),
   moves the rest to `queued` with one conditional UPDATE, commits, then enqueues batches of ids.
2. `send_batch` (an RQ job) claims its ids with one conditional UPDATE (`queued` -> `claimed`), so two
   workers never send the same notice, and only a claimed notice reaches the provider. Just before
   sending it re-checks each one (still due, opted out, has a number) and writes an attempt row.
3. The provider is called with no database session open, `sender_connections` messages at a time, each
   connection taking the next message as soon as it is free; then every outcome is written in one
   transaction with a handful of bulk statements. A batch goes through 2 and 3 a part at a time, the next
   part claimed and the last one recorded while a part is with the provider.

Backward moves, all of them here and all for notices the provider never saw: a queued notice found
outside the window goes back to `planned` before it is claimed; a claimed notice the provider refused to
create (429 after the in-place retries, a pause, a batch running out of time) goes back to `planned` or
`queued`; and a new attempt after a temporary failure or an unknown outcome reconciled as "not created"
(see `receipts` and `sweep`) goes back to `queued`. Everything else moves only forward.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, deque
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

import redis
from rq import Queue
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import metrics
from ..clock import china_today
from ..db import Vehicle, Violation
from ..domain.notices import SendOutcome, SkipReason
from ..domain.provider_codes import STOPPED
from ..domain.segments import segments as count_segments
from ..gateway import Gateway, SendResult, make_gateway
from ..masking import mask_name, mask_phone
from ..runtime import QUEUE_NOTICES, QUEUE_URGENT, Runtime
from ..services.optouts import opt_out
from . import policies, store
from .notice_text import render_notice
from .recheck import still_due

log = logging.getLogger(__name__)


SEND_JOB = "workers.jobs.send_batch"
DISPATCH_CHUNK = 2000
THROTTLE_RETRIES = 4  # in place, 0.2 s, 0.4 s, 0.8 s, 1.6 s apart, before handing the notice back
THROTTLE_PAUSE = 0.2
# A batch is claimed a part at a time: the next part is claimed while one is with the provider, and a part is
# recorded as soon as all its answers are in.
PART = 125
RATE_GROUP_SECONDS = 0.05  # tokens are taken for at most this long a share of the carrier's rate at once


@dataclass
class Outgoing:
    notice_id: int
    attempt_id: int
    kind: str
    phone: str
    body: str
    segments: int
    result: SendResult | None = None


@dataclass
class BatchReport:
    claimed: int = 0
    outcomes: Counter = field(default_factory=Counter)  # accepted / skipped / unknown / rejected / ...

    def __str__(self) -> str:
        parts = ", ".join(f"{k} {v}" for k, v in sorted(self.outcomes.items()))
        return f"claimed {self.claimed}" + (f": {parts}" if parts else "")


# -- the pause switch, for operators, metrics and workers -------------------------------------------
def is_paused(rt: Runtime) -> str | None:
    """Why sending is paused, or None."""
    return policies.paused(rt.settings, rt.redis)


# -- enqueueing -------------------------------------------------------------------------------------
def job_timeout(rt: Runtime) -> int:
    return rt.settings.notice_claim_timeout_seconds + 60


def enqueue(rt: Runtime, ids: Sequence[int], *, urgent: bool) -> int:
    """Enqueue `ids` in batches on the urgent or notices queue, in one Redis round trip; returns jobs made."""
    if not ids:
        return 0
    size = max(1, rt.settings.notice_batch_size)
    queue: Queue = rt.queue(QUEUE_URGENT if urgent else QUEUE_NOTICES)
    jobs = [
        Queue.prepare_data(SEND_JOB, args=(list(ids[i:i + size]),), timeout=job_timeout(rt), result_ttl=0,
                           failure_ttl=7 * 86400, description=f"send {len(ids[i:i + size])} notices")
        for i in range(0, len(ids), size)
    ]
    with rt.redis.pipeline() as pipe:
        queue.enqueue_many(jobs, pipeline=pipe)
        pipe.execute()
    return len(jobs)


def enqueue_quietly(rt: Runtime, ids: Sequence[int], *, urgent: bool) -> None:
    """Enqueue, but a Redis outage only delays: the notices stay `queued` and the sweep enqueues them again."""
    try:
        enqueue(rt, ids, urgent=urgent)
    except redis.RedisError:
        log.warning("could not enqueue %d notices (Redis unavailable); the sweep will", len(ids))


# -- 1. dispatch ------------------------------------------------------------------------------------
def dispatch(rt: Runtime, *, limit: int | None = None) -> int:
    """Queue every due planned notice the window and the cap allow; returns how many were queued.

    One dispatcher at a time (a Redis lock): two would each count a number's recent notices before the
    other's were queued, and together let a fifth through. Another dispatcher already running returns 0.
    """
    if is_paused(rt):
        return 0
    lock = rt.redis.lock(f"{rt.settings.rq_queue_prefix}:dispatch:lock", timeout=600, blocking=False)
    if not lock.acquire():
        return 0
    try:
        return _dispatch(rt, limit)
    finally:
        try:
            lock.release()
        except redis.exceptions.LockError:
            log.warning("the dispatch lock expired before the dispatcher finished")


def _dispatch(rt: Runtime, limit: int | None) -> int:
    settings = rt.settings
    total = 0
    while limit is None or total < limit:
        now = rt.clock.now()
        chunk = DISPATCH_CHUNK if limit is None else min(DISPATCH_CHUNK, limit - total)
        with rt.transaction() as session:
            rows = store.due_planned(session, now, chunk)
            if not rows:
                break
            later: dict[datetime, list[int]] = {}
            no_phone: list[int] = []
            ready: list[int] = []
            window_open = policies.in_window(settings, now)
            opening = None if window_open else policies.next_opening(settings, now)
            capped = [r for r in rows if r.phone and policies.is_capped(r.kind)]
            sent = policies.recent_sends(session, (r.phone for r in capped), now)
            for row in rows:
                if not row.phone:
                    no_phone.append(row.id)
                elif not row.urgent and opening is not None:
                    later.setdefault(opening, []).append(row.id)
                elif not policies.is_capped(row.kind):
                    ready.append(row.id)
                elif (wait := policies.cap_wait(sent[row.phone], settings.daily_cap, now)) is not None:
                    later.setdefault(wait, []).append(row.id)
                else:
                    sent[row.phone].append(now)
                    ready.append(row.id)
            for not_before, ids in later.items():
                store.hold(session, ids, not_before)
            store.skip(session, no_phone, SkipReason.NO_MOBILE, now, from_states=[store.NoticeState.PLANNED])
            queued = store.queue(session, ready, now)
        urgent_ids = [r.id for r in queued if r.urgent]
        other_ids = [r.id for r in queued if not r.urgent]
        enqueue_quietly(rt, urgent_ids, urgent=True)
        enqueue_quietly(rt, other_ids, urgent=False)
        total += len(queued)
    if total:
        log.info("dispatched %d notices", total)
    return total


# -- 2. claim ---------------------------------------------------------------------------------------
def claim(rt: Runtime, ids: Sequence[int]) -> tuple[list[Outgoing], Counter]:
    """Claim queued notices, re-check them, render and write attempts; returns what to send and skips.

    The notices are read locked (`store.read_queued`, with their numbers' opt-outs), re-checked and
    rendered; those that still go are claimed with their text and an attempt each, in one transaction.
    """
    settings = rt.settings
    now = rt.clock.now()
    skipped: Counter = Counter()
    with rt.transaction() as session:
        if not policies.in_window(settings, now):
            store.unqueue_for_window(session, ids, policies.next_opening(settings, now))
        notices = store.read_queued(session, ids)
        if not notices:
            return [], skipped
        opted_out = {row.phone: bool(row.provider_blocked) for row in notices if row.opted_out}
        subjects = _prefetch_subjects(session, notices)  # noqa: F841 - held so the identity map keeps them
        today = china_today(rt.clock)
        skips: list[tuple[int, str]] = []
        claims: list[store.Claim] = []
        by_id = {}
        for notice in notices:
            reason = None
            if not notice.phone:
                reason = SkipReason.NO_MOBILE
            elif notice.phone in opted_out and (policies.is_capped(notice.kind) or opted_out[notice.phone]):
                # A number that opted out of notices still gets the code it asked for, unless the provider
                # itself blocks the number (STOP), which nothing gets past.
                reason = SkipReason.OPTED_OUT
            elif policies.is_capped(notice.kind):
                reason = still_due(session, notice, today)
            if reason is not None:
                skips.append((notice.id, reason))
                continue
            body = notice.body or render_notice(
                (notice.kind, notice.variables or {}), notice.language, settings,
                mask_name(notice.addressee) if notice.addressee else None,
            )
            claims.append(store.Claim(notice.id, notice.attempt_count, body, count_segments(body)))
            by_id[notice.id] = notice
        store.skip_queued(session, skips, now)
        skipped.update(reason for _, reason in skips)
        attempt_ids = store.claim(session, claims, now)
        outgoing = [
            Outgoing(c.notice_id, attempt_ids[c.notice_id], by_id[c.notice_id].kind, by_id[c.notice_id].phone, c.body,
                     c.segments)
            for c in claims
        ]
    return outgoing, skipped


def _prefetch_subjects(session: Session, notices: Sequence) -> list:
    """Load the batch's vehicles and violations with one query each: the re-check's `session.get` then finds
    them in the identity map instead of asking the database once per notice."""
    loaded: list = []
    for model, kind in ((Vehicle, "vehicle"), (Violation, "violation")):
        ids = sorted({n.subject_id for n in notices if n.subject_kind == kind})
        if ids:
            loaded.extend(session.scalars(select(model).where(model.id.in_(ids))))
    return loaded


# -- 3. send ----------------------------------------------------------------------------------------
class _Flow:
    """One batch on its way to the provider: its deadline, and why it stopped handing messages over (or None)."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.stopped: str | None = None
        self.halt = threading.Event()  # wakes the messages waiting for their tokens

    def stop(self, reason: str) -> None:
        if self.stopped is None:
            self.stopped = reason
        self.halt.set()


class Sender:
    """What a worker process keeps between jobs: the runtime, one gateway (one HTTP connection) and the bucket."""

    def __init__(self, rt: Runtime, gateway: Gateway | None = None) -> None:
        self.rt = rt
        self.gateway = gateway if gateway is not None else make_gateway(rt.settings)
        self.bucket = policies.bucket_for(rt.settings, rt.redis)
        # A few messages in flight at once: while one waits for the provider's answer, the next is being
        # built. The client's connection pool keeps one keep-alive connection per thread. Each thread takes
        # the next message as soon as it is free, so all of them stay busy while there is anything to send.
        self.pool = ThreadPoolExecutor(max(1, rt.settings.sender_connections), thread_name_prefix="sms")

    def status_callback(self, attempt_id: int) -> str:
        # The attempt id rides along, so a receipt that beats our own write of the SID still finds its attempt.
        return f"{self.rt.settings.public_url.rstrip('/')}/sms/status?attempt={attempt_id}"

    def send_batch(self, ids: Sequence[int]) -> BatchReport:
        """Claim, send and record `ids` a part at a time, overlapped: while one part's messages are with the
        provider, the part before is recorded and the next one claimed, so the connections do not wait for
        the database. Each part is claimed, sent and recorded as a batch of its own would be."""
        report = BatchReport()
        if is_paused(self.rt):
            return report  # they stay queued; `resume` enqueues them again
        settings = self.rt.settings
        # Stop handing messages over well before the sweep would think this worker dead.
        flow = _Flow(time.monotonic() + max(
            settings.notice_claim_timeout_seconds - settings.twilio_timeout_seconds - 5,
            settings.notice_claim_timeout_seconds / 2))
        parts = [list(ids[i:i + PART]) for i in range(0, len(ids), PART)]
        sending: deque[tuple[list[Outgoing], list[Future]]] = deque()  # the parts with the pool
        left: list[int] = []
        try:
            for n, part in enumerate(parts):
                if len(sending) > 1:
                    # One part stays with the provider while the one before it is recorded and the next claimed.
                    self._record(sending.popleft(), report)
                if time.monotonic() > flow.deadline:
                    flow.stop("batch out of time")
                if flow.stopped is not None:
                    left = [i for rest in parts[n:] for i in rest]  # never claimed: still queued
                    break
                # The claim's transaction is committed and its session closed before its messages go: a slow
                # provider must not hold a database connection (or, on SQLite, the write lock).
                outgoing, skipped = claim(self.rt, part)
                report.claimed += len(outgoing) + sum(skipped.values())
                report.outcomes.update({"skipped": sum(skipped.values())} if skipped else {})
                if outgoing:
                    sending.append((outgoing, self._submit(outgoing, flow)))
            while sending:
                self._record(sending.popleft(), report)
        except BaseException:
            # Nothing more goes out; what was claimed and not recorded is settled by the sweep.
            flow.stop("batch failed")
            raise
        if left and not is_paused(self.rt):
            enqueue_quietly(self.rt, left, urgent=False)
        return report

    def _record(self, sent: tuple[list[Outgoing], list[Future]], report: BatchReport) -> None:
        """Wait for a part's answers, then record them."""
        outgoing, futures = sent
        for future in futures:
            future.result()
        record(self.rt, outgoing)
        report.outcomes.update(o.result.outcome for o in outgoing)

    def _submit(self, outgoing: list[Outgoing], flow: _Flow) -> list[Future]:
        """Hand a part's messages to the pool, after taking their tokens from the bucket: one reservation for
        as many segments as the carrier takes in `RATE_GROUP_SECONDS`, each message going no earlier than
        the moment its group's tokens are there."""
        most = max(1.0, self.bucket.rate * RATE_GROUP_SECONDS) if self.bucket.rate > 0 else float("inf")
        futures: list[Future] = []
        start = 0
        while start < len(outgoing):
            end, segments = start + 1, outgoing[start].segments
            while end < len(outgoing) and segments + outgoing[end].segments <= most:
                segments += outgoing[end].segments
                end += 1
            at = time.monotonic() + (0.0 if flow.stopped else self.bucket.reserve(segments))
            futures.extend(self.pool.submit(self._send_at, m, at, flow) for m in outgoing[start:end])
            start = end
        return futures

    def _send_at(self, message: Outgoing, at: float, flow: _Flow) -> None:
        """Send one message once its tokens are there, unless the batch stopped or would pass its deadline."""
        if at > flow.deadline or time.monotonic() > flow.deadline:
            flow.stop("batch out of time")
        if flow.stopped is None and at > time.monotonic():
            flow.halt.wait(at - time.monotonic())
        if flow.stopped is not None:
            message.result = SendResult(SendOutcome.NOT_SENT, reason=flow.stopped)
            return
        message.result = self._send_one(message)
        if message.result.outcome == SendOutcome.PROVIDER_FAULT:
            policies.pause(self.rt.settings, self.rt.redis, f"provider fault {message.result.reason}")
            flow.stop("sending paused")

    def _send_one(self, message: Outgoing) -> SendResult:
        callback = self.status_callback(message.attempt_id)
        result = self.gateway.send(message.phone, message.body, status_callback=callback)
        for retry in range(THROTTLE_RETRIES):
            if result.outcome != SendOutcome.THROTTLED:
                break
            time.sleep(THROTTLE_PAUSE * 2**retry)
            result = self.gateway.send(message.phone, message.body, status_callback=callback)
        if result.outcome != SendOutcome.ACCEPTED:
            metrics.TWILIO_ERRORS.labels(str(result.code or result.outcome)).inc()
            log.info("notice %d to %s: %s (%s)", message.notice_id, mask_phone(message.phone), result.outcome,
                     result.reason)
        return result


def send_batch(rt: Runtime, ids: Sequence[int], gateway: Gateway | None = None) -> BatchReport:
    return Sender(rt, gateway).send_batch(ids)


# -- 4. record --------------------------------------------------------------------------------------
def record(rt: Runtime, outgoing: Sequence[Outgoing]) -> None:
    """Write every outcome of a batch in one transaction (`store.record`)."""
    now = rt.clock.now()
    answers = [
        store.Answer(m.notice_id, m.attempt_id, m.result.outcome, m.result.sid, m.result.status, m.result.code,
                     m.result.reason)
        for m in outgoing
    ]
    with rt.transaction() as session:
        stopped = sorted({m.phone for m in outgoing if m.result.outcome == SendOutcome.OPTED_OUT})
        if stopped:
            store.lock(session, (m.notice_id for m in outgoing))  # notices first, as every writer does
            for phone in stopped:
                opt_out(session, phone, now, source=STOPPED, provider_blocked=True)
        requeue = store.record(session, answers, now)
    for kind, count in Counter(m.kind for m in outgoing if m.result.outcome == SendOutcome.ACCEPTED).items():
        metrics.NOTICES_SENT.labels(kind).inc(count)
    if requeue and not is_paused(rt):
        enqueue_quietly(rt, requeue, urgent=False)
