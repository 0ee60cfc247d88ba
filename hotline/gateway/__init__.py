"""Gateways that carry a text to a phone: Twilio (or the loopback Twilio) and a console one for the demo.

Every gateway answers a send with a `SendResult` whose `outcome` is a `SendOutcome` (hotline/domain), so the sender
decides what to do from the class alone and never looks at provider error codes itself. A domestic SMS
platform would be one more module here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from ..config import Settings
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


def make_gateway(settings: Settings) -> Gateway:
    """The gateway `settings.sms_gateway` names: "twilio" (default) or "console"."""
    if settings.sms_gateway == "console":
        from .console import ConsoleGateway

        return ConsoleGateway()
    from .twilio import TwilioGateway

    return TwilioGateway(settings)
