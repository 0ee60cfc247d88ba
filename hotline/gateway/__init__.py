"""Gateways that carry a text to a phone: Twilio (or the loopback Twilio) and a console one for the demo.

Every gateway answers a send with a `SendResult` whose `outcome` is one of the classes below, so the sender
decides what to do from the class alone and never looks at provider error codes itself. A domestic SMS
platform would be one more module here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from ..config import Settings

ACCEPTED = "accepted"  # the provider took it and gave a message id
THROTTLED = "throttled"  # 429 / 20429: nothing was created; try again later
UNKNOWN = "unknown"  # timeout, connection lost, 5xx: it may or may not exist; reconcile before resending
REJECTED = "rejected"  # a permanent error for this message (21211 invalid number, 21614 not mobile, ...)
OPTED_OUT = "opted_out"  # 21610: the recipient sent STOP to the provider
PROVIDER_FAULT = "provider_fault"  # our account or sender is wrong: every message would fail alike


@dataclass(frozen=True)
class SendResult:
    outcome: str
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
