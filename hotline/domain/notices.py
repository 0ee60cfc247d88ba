"""A notice's states and a provider's answers to a send, with the one order states move in.

ARCHITECTURE.md, "A notice's life": planned -> queued -> claimed -> accepted -> delivered | undelivered |
failed, with side exits `skipped` (reason kept) and `unknown` (the provider call's outcome is not known;
reconciled before anything is resent). An attempt (one call to the provider) walks the same ladder from
`claimed`. Who moves what is told in `hotline.notify.store`, the only module that writes a state.
"""

from __future__ import annotations

from enum import StrEnum


class NoticeState(StrEnum):
    PLANNED = "planned"
    QUEUED = "queued"
    CLAIMED = "claimed"
    UNKNOWN = "unknown"
    ACCEPTED = "accepted"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    SKIPPED = "skipped"


FINAL = frozenset({NoticeState.DELIVERED, NoticeState.UNDELIVERED, NoticeState.FAILED, NoticeState.SKIPPED})

# The forward-only order, for notices and their attempts alike: a receipt or a reconciliation moves a state
# only to a higher rank (a late `sent` after `delivered` changes nothing). Two states of one rank do not
# replace each other. The sender's own backward moves (a notice the provider never saw going back to
# `planned` or `queued`, and a new attempt after a temporary failure) are the sanctioned exceptions, all in
# the store.
RANK = {
    NoticeState.PLANNED: 0,
    NoticeState.QUEUED: 1,
    NoticeState.CLAIMED: 2,
    NoticeState.UNKNOWN: 3,
    NoticeState.ACCEPTED: 4,
    NoticeState.UNDELIVERED: 5,
    NoticeState.FAILED: 5,
    NoticeState.DELIVERED: 6,
    NoticeState.SKIPPED: 6,
}


def outranks(new: str, old: str) -> bool:
    """`new` is further along the ladder than `old` (an attempt may still learn it was delivered after all)."""
    return RANK[NoticeState(new)] > RANK[NoticeState(old)]


def can_move(old: str, new: str) -> bool:
    """A notice may move from `old` to `new` by a receipt: never out of a final state, never backwards."""
    return old not in FINAL and outranks(new, old)


# What the provider's status words mean for an attempt; the words before `sent` say nothing new.
PROVIDER_STATUS = {
    "accepted": NoticeState.ACCEPTED,
    "scheduled": NoticeState.ACCEPTED,
    "queued": NoticeState.ACCEPTED,
    "sending": NoticeState.ACCEPTED,
    "sent": NoticeState.ACCEPTED,
    "delivered": NoticeState.DELIVERED,
    "read": NoticeState.DELIVERED,
    "undelivered": NoticeState.UNDELIVERED,
    "failed": NoticeState.FAILED,
    "canceled": NoticeState.FAILED,
}


class SendOutcome(StrEnum):
    """A gateway's answer to one send, by what the sender must do about it (never a provider error code)."""

    ACCEPTED = "accepted"  # the provider took it and gave a message id
    THROTTLED = "throttled"  # 429 / 20429: nothing was created; try again later
    UNKNOWN = "unknown"  # timeout, connection lost, 5xx: it may or may not exist; reconcile before resending
    REJECTED = "rejected"  # a permanent error for this message (21211 invalid number, 21614 not mobile, ...)
    OPTED_OUT = "opted_out"  # 21610: the recipient sent STOP to the provider
    PROVIDER_FAULT = "provider_fault"  # our account or sender is wrong: every message would fail alike
    NOT_SENT = "not_sent"  # claimed but never handed to the provider (a pause, a batch out of time)


class SkipReason(StrEnum):
    OPTED_OUT = "opted out"
    NO_MOBILE = "no mobile number"
