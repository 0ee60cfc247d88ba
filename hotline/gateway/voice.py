"""Calls placed by the hotline through the `twilio` REST client (Calls API): an agent's "call now" to a
citizen who asked to be called back, and the call that rings an agent to take the next caller in the queue.

The same client the SMS gateway builds (`RebasedHttpClient`): pointed at Twilio, or at the loopback Twilio
by `HOTLINE_TWILIO_API_URL`, with the same timeout.
"""

from __future__ import annotations

from twilio.rest import Client

from ..config import Settings
from .twilio import RebasedHttpClient


def rest_client(settings: Settings) -> Client:
    http = RebasedHttpClient(settings.twilio_api_url, timeout=settings.twilio_timeout_seconds, pool_size=2)
    return Client(settings.twilio_account_sid, settings.twilio_auth_token, http_client=http)
