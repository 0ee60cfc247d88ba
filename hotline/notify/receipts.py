"""Status callbacks from the provider: what happened to each attempt, never moving anything backwards.

A receipt names the attempt (the `attempt` parameter we put in every StatusCallback URL) and its Message SID.
Receipts arrive late, twice, or out of order (a `sent` after `delivered`); each attempt and each notice only
ever moves up its ladder, so a late word changes nothing. A temporary delivery failure (a code listed in
`settings.notice_retry_error_codes`, e.g. 30003 handset unreachable) on a notice's latest attempt becomes one
more attempt while `settings.notice_max_attempts` allows.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from ..db import Notice, NoticeAttempt, NoticeState
from ..domain.notices import FINAL, PROVIDER_STATUS, outranks
from ..runtime import Runtime
from . import sender

S = NoticeState
log = logging.getLogger(__name__)

# A deadlock or a serialization failure is the database asking for the transaction again; it is retried
# here a few times (a receipt is small), and only then handed up (the web answers 503, Twilio retries).
RECEIPT_TRIES = 4
_RETRYABLE_SQLSTATES = {"40001", "40P01"}  # serialization_failure, deadlock_detected


def is_retryable(error: BaseException) -> bool:
    """A transaction the database aborted only to break a deadlock or keep serialisability."""
    return isinstance(error, OperationalError) and getattr(error.orig, "sqlstate", None) in _RETRYABLE_SQLSTATES



@dataclass(frozen=True)
class Receipt:
    sid: str
    status: str
    error_code: str | None = None
    attempt_id: int | None = None


def retry_codes(rt: Runtime) -> frozenset[str]:
    return rt.settings.notice_retry_error_codes


def apply_receipt(rt: Runtime, receipt: Receipt) -> str:
    """Record one status callback; returns what it did ("unknown sid", "ignored", "recorded", "retry")."""
    for tries in range(1, RECEIPT_TRIES + 1):
        try:
            return _apply_receipt(rt, receipt)
        except OperationalError as error:
            if not is_retryable(error) or tries == RECEIPT_TRIES:
                raise
            log.warning("receipt for %s: %s, trying again", receipt.sid, error.orig.__class__.__name__)
            time.sleep(0.01 * tries)
    raise AssertionError("unreachable")


def _apply_receipt(rt: Runtime, receipt: Receipt) -> str:
    new_state = PROVIDER_STATUS.get(receipt.status.lower())
    now = rt.clock.now()
    retry = False
    with rt.transaction() as session:
        attempt = _find_attempt(session, receipt)
        if attempt is None:
            return "unknown sid"
        # Lock the notice row, then its attempt (PostgreSQL): the one order of every writer of both (the
        # worker's record, the sweep), so a receipt and a batch never wait on each other crosswise; and two
        # receipts for one notice do not both read the old state.
        notice = session.get(Notice, attempt.notice_id, with_for_update=True)
        session.refresh(attempt, with_for_update=True)
        if attempt.provider_sid is None:
            attempt.provider_sid = receipt.sid
        if new_state is None or not outranks(new_state, attempt.state):
            return "ignored"  # late or out of order: the attempt already knows better
        attempt.state = new_state
        attempt.provider_status = receipt.status.lower()
        if receipt.error_code:
            attempt.error_code = receipt.error_code[:10]
        if new_state != S.ACCEPTED:
            attempt.finished_at = now
        if notice is None or notice.state in FINAL:
            return "recorded"
        latest = attempt.number == notice.attempt_count
        if new_state == S.DELIVERED:
            # Any attempt that reached the handset means the person was told.
            notice.state, notice.finished_at = S.DELIVERED, now
        elif not latest:
            return "recorded"
        elif new_state == S.ACCEPTED:
            if notice.state in (S.CLAIMED, S.UNKNOWN):
                notice.state, notice.accepted_at = S.ACCEPTED, notice.accepted_at or now
        elif receipt.error_code in retry_codes(rt):
            retry = sender.retry_or_finish(session, rt, notice, final_state=new_state,
                                           reason=f"{receipt.error_code}: {receipt.status}", now=now)
        else:
            notice.state, notice.finished_at = new_state, now
            notice.failure_reason = f"{receipt.error_code or '-'}: {receipt.status}"[:200]
        notice_id, urgent = notice.id, notice.urgent
    if retry:
        sender.enqueue_quietly(rt, [notice_id], urgent=urgent)
        return "retry"
    return "recorded"


def _find_attempt(session, receipt: Receipt) -> NoticeAttempt | None:
    """The attempt the receipt is about, not locked yet (its notice is locked first)."""
    if receipt.attempt_id is not None:
        attempt = session.get(NoticeAttempt, receipt.attempt_id)
        # The id in the URL is only a hint: it must agree with the SID once we know the SID.
        if attempt is not None and attempt.provider_sid in (None, receipt.sid):
            return attempt
    return session.scalar(select(NoticeAttempt).where(NoticeAttempt.provider_sid == receipt.sid))
