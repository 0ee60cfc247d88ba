"""What every gateway answers and promises: the result of a send, a message found again, the protocol."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from ..domain.notices import SendOutcome


@dataclass(frozen=True)
class SendResult:
    outcome: SendOutcome
    sid: str | None = None
    status: str | None = None
    code: int | None = None
    reason: str | None = None


@dataclass(frozen=True)
class FoundMessage:
    sid: str
    status: str


class Gateway(Protocol):
    def send(self, to: str, body: str, *, status_callback: str | None = None) -> SendResult:
        """Hand one text to the provider; never raises for provider answers."""
        ...

    def find(self, to: str, body: str, since: datetime) -> FoundMessage | None:
        """The provider's message to `to` with this body created since `since`, if any (reconciliation)."""
        ...

    def status(self, sid: str) -> str | None:
        """The provider's current status for a message id, or None when it cannot say."""
        ...
