"""How one verification attempt ended (a `VerificationAttempt` row's `outcome`, services/identity.py)."""

from __future__ import annotations

from enum import StrEnum


class VerificationOutcome(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"
    LOCKED = "locked"  # refused without checking, because of earlier failures
    # An ID number typed in on the phone: neither success nor failure, but counted per calling number
    # (services/identity.py, MAX_ID_ENTRIES_PER_HOUR).
    ID_ENTRY = "id_entry"
