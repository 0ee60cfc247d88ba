"""The periodic sweep: nothing is left stranded when a worker dies, a job is lost or a receipt never comes.

Run by `flask scheduler` every `settings.sweep_interval_seconds` (and by hand, `flask notices sweep`):

- `claimed` longer than `notice_claim_timeout_seconds`: the worker died or hung mid-batch; whether the
  provider got the message is not known, so the notice becomes `unknown`. We do not wait for RQ's own
  cleanup of abandoned jobs (minutes later, and it knows nothing of our states).
- `unknown` for `notice_unknown_grace_seconds` (time for a slow create to land): reconciled against the
  provider's message list by recipient, time and body. Found: accepted (or better, with its status).
  Not found: a new attempt while attempts are left, else failed. Never a resend before the lookup.
- `queued` for `notice_queued_timeout_seconds` while its queue is empty: the job was lost (Redis
  restarted, enqueue failed after commit); the ids are enqueued again. A duplicate job is harmless: the
  claim is conditional.
- `accepted` with no final receipt for `notice_receipt_timeout_seconds`: asks the provider for the status.
Every state it writes is written by `store`. It never dispatches: planned notices move on only through
the dispatcher (`sender.dispatch`), which the scheduler runs on every tick.

The opt-outs and opt-ins texted while the database was down (held in Redis, hotline/sms/held.py) are
applied by the caller just before (workers/jobs.py, `sweep_all`), so nobody who said TD gets another notice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..gateway import Gateway, make_gateway
from ..runtime import QUEUE_NOTICES, QUEUE_URGENT, Runtime
from . import sender, store
from .receipts import Receipt, apply_receipt

log = logging.getLogger(__name__)

BATCH = 500


@dataclass
class SweepReport:
    stale_claims: int = 0
    found: int = 0
    resent: int = 0
    failed: int = 0
    requeued: int = 0
    receipts_checked: int = 0
    opt_messages_applied: int = 0  # by the caller, before the sweep (workers/jobs.py, sweep_all)

    def __str__(self) -> str:
        return ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in vars(self).items() if v) or "nothing to do"


def sweep(rt: Runtime, gateway: Gateway | None = None) -> SweepReport:
    report = SweepReport()
    gateway = gateway if gateway is not None else make_gateway(rt.settings)
    report.stale_claims = expire_claims(rt)
    reconcile_unknown(rt, gateway, report)
    report.requeued = requeue_lost(rt)
    check_silent(rt, gateway, report)
    if report.stale_claims or report.found or report.resent or report.failed or report.requeued:
        log.warning("sweep: %s", report)
    return report


def expire_claims(rt: Runtime) -> int:
    """Claims older than the claim timeout become `unknown` (notice and attempt)."""
    now = rt.clock.now()
    with rt.transaction() as session:
        return store.expire_claims(session, now - timedelta(seconds=rt.settings.notice_claim_timeout_seconds), now)


def reconcile_unknown(rt: Runtime, gateway: Gateway, report: SweepReport) -> None:
    now = rt.clock.now()
    cutoff = now - timedelta(seconds=rt.settings.notice_unknown_grace_seconds)
    with rt.transaction(read_only=True) as session:
        rows = store.unknown_since(session, cutoff, limit=BATCH)
    # The lookups happen with no transaction open: the provider may be slow.
    looked_up: list[tuple] = []
    for row in rows:
        try:
            found = gateway.find(row.phone, row.body, since=row.started_at)
        except Exception:  # the provider is unreachable: try again at the next sweep
            log.warning("sweep: cannot reconcile notice %d yet", row.id, exc_info=True)
            continue
        looked_up.append((row, found))
    retries: list[tuple[int, bool]] = []
    for row, found in looked_up:
        if found is not None:
            # Recorded as the receipt the provider's list amounts to: accepted, or delivered if it says so.
            apply_receipt(rt, Receipt(sid=found.sid, status=found.status or "sent", attempt_id=row.attempt_id))
            report.found += 1
            continue
        with rt.transaction() as session:
            moved = store.not_found(session, row.id, row.attempt_id, max_attempts=rt.settings.notice_max_attempts,
                                    now=now)
        if moved is None:
            continue
        retry, urgent = moved
        if retry:
            retries.append((row.id, urgent))
            report.resent += 1
        else:
            report.failed += 1
    sender.enqueue_quietly(rt, [nid for nid, urgent in retries if urgent], urgent=True)
    sender.enqueue_quietly(rt, [nid for nid, urgent in retries if not urgent], urgent=False)


def requeue_lost(rt: Runtime) -> int:
    """Enqueue again the queued notices whose job is gone (their queue is empty, yet they wait)."""
    if sender.is_paused(rt):
        return 0
    cutoff = rt.clock.now() - timedelta(seconds=rt.settings.notice_queued_timeout_seconds)
    total = 0
    for urgent, name in ((True, QUEUE_URGENT), (False, QUEUE_NOTICES)):
        if rt.queue(name).count > 0:
            continue  # jobs are waiting: these notices may simply be behind them
        with rt.transaction(read_only=True) as session:
            ids = store.queued_since(session, cutoff, urgent=urgent, limit=50_000)
        sender.enqueue_quietly(rt, ids, urgent=urgent)
        total += len(ids)
    return total


def check_silent(rt: Runtime, gateway: Gateway, report: SweepReport) -> None:
    """Accepted notices that never got a final receipt: ask the provider, then settle them."""
    now = rt.clock.now()
    cutoff = now - timedelta(seconds=rt.settings.notice_receipt_timeout_seconds)
    with rt.transaction(read_only=True) as session:
        rows = store.accepted_since(session, cutoff, limit=BATCH)
    for row in rows:
        status = None
        if row.provider_sid:
            try:
                status = gateway.status(row.provider_sid)
            except Exception:
                log.warning("sweep: cannot ask for the status of notice %d", row.id, exc_info=True)
                continue
        if status:
            apply_receipt(rt, Receipt(sid=row.provider_sid, status=status, attempt_id=row.attempt_id))
        _settle(rt, row.id, status, now)
        report.receipts_checked += 1


def _settle(rt: Runtime, notice_id: int, status: str | None, now: datetime) -> None:
    with rt.transaction() as session:
        store.settle(session, notice_id, status, now)
