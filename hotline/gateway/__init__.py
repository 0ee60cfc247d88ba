"""Gateways that carry a text to a phone: Twilio (or the loopback Twilio) and a console one for the demo.

Every gateway answers a send with a `SendResult` whose `outcome` is a `SendOutcome` (hotline/domain), so the sender
decides what to do from the class alone and never looks at provider error codes itself. A domestic SMS
platform would be one more module here.
"""

from __future__ import annotations

from ..config import Settings
from .base import FoundMessage, Gateway, SendResult
from .console import ConsoleGateway
from .twilio import TwilioGateway

__all__ = ["FoundMessage", "Gateway", "SendResult", "make_gateway"]


def make_gateway(settings: Settings) -> Gateway:
    """The gateway `settings.sms_gateway` names: "twilio" (default) or "console"."""
    if settings.sms_gateway == "console":
        return ConsoleGateway()
    return TwilioGateway(settings)
