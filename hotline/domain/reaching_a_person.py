"""Reaching a person: the states of a callback request and how a caller leaves the voice queue."""

from __future__ import annotations

from enum import StrEnum


class CallbackState(StrEnum):
    """A callback request: `waiting → calling → done | missed | cancelled`.

    `calling` goes back to `waiting` after one unanswered call; the second unanswered call makes it `missed`.
    """

    WAITING = "waiting"  # asked for; due at `due_at`
    CALLING = "calling"  # an agent's call to the citizen is ringing
    DONE = "done"  # the citizen answered
    MISSED = "missed"  # no answer twice: the citizen is told by text
    CANCELLED = "cancelled"  # withdrawn by the citizen (QX) or by staff


OPEN_CALLBACK_STATES = (CallbackState.WAITING, CallbackState.CALLING)
# Unanswered calls before a callback counts as missed.
CALLBACK_ATTEMPTS = 2


class QueueOutcome(StrEnum):
    """How a caller left the voice queue."""

    TAKEN = "taken"  # an agent took the call
    ABANDONED = "abandoned"  # the caller hung up while waiting
    CALLBACK = "callback"  # the caller pressed 1 to be called back instead
