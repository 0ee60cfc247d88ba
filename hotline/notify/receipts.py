"""Status callbacks from the provider: what happened to each attempt, never moving anything backwards.

A receipt names the attempt (the `attempt` parameter we put in every StatusCallback URL) and its Message SID.
Receipts arrive late, twice, or out of order (a `sent` after `delivered`); each attempt and each notice only
ever moves up its ladder, so a late word changes nothing. A temporary delivery failure (a code listed in
`settings.notice_retry_error_codes`, e.g. 30003 handset unreachable) on a notice's latest attempt becomes one
more attempt while `settings.notice_max_attempts` allows. The moves themselves are `store.apply_receipt`;
this module retries the transaction when the database asks and enqueues a new attempt after the commit.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from sqlalchemy.exc import OperationalError

from ..runtime import Runtime
from . import sender, store

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
    with rt.transaction() as session:
        result = store.apply_receipt(
            session,
            sid=receipt.sid,
            status=receipt.status,
            error_code=receipt.error_code,
            attempt_id=receipt.attempt_id,
            retry_codes=retry_codes(rt),
            max_attempts=rt.settings.notice_max_attempts,
            now=rt.clock.now(),
        )
    if result.what == "retry":
        sender.enqueue_quietly(rt, [result.notice_id], urgent=result.urgent)
    return result.what
