"""The Twilio gateway: the real `twilio` REST client, pointed at Twilio or at a Twilio-compatible API.

One client per process, so HTTP keep-alive carries every message over the same connection. Every call has
a timeout. The base URL comes from `HOTLINE_TWILIO_API_URL` through a custom HTTP client, the way Twilio's
documentation suggests for proxies and test servers ("custom HTTP clients"): the library builds its
`https://api.twilio.com/...` URLs as usual and the client swaps the origin just before the request.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import requests
from requests.adapters import HTTPAdapter
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from ..config import Settings
from ..domain.notices import SendOutcome
from ..domain.provider_codes import STOPPED_CODE, THROTTLE_CODES
from .base import FoundMessage, SendResult

log = logging.getLogger(__name__)

TWILIO_ORIGIN = "https://api.twilio.com"

# Errors that say our account or sender is wrong, not this message: every other message would fail the
# same way, so sending pauses instead of failing the whole day's notices one by one.
PROVIDER_WIDE_CODES = frozenset({
    20003,  # authentication failed
    20005,  # account not active
    20008,  # test credentials used for a live resource
    21212,  # invalid From number
    21606,  # From number not SMS-capable for this account
    21659,  # From is not a Twilio number
    21701, 21702, 21703, 21704, 21705,  # messaging service missing or misconfigured
    30002,  # account suspended
})


class RebasedHttpClient(TwilioHttpClient):
    """`TwilioHttpClient` that sends Twilio's API requests to another origin, with a pooled session."""

    def __init__(self, base_url: str, *, timeout: float, pool_size: int = 8) -> None:
        super().__init__(pool_connections=True, timeout=timeout)
        self.base_url = base_url.rstrip("/")
        adapter = HTTPAdapter(pool_connections=2, pool_maxsize=pool_size)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        # Proxy settings from the environment are read once here, not on every request: requests would
        # otherwise walk the whole environment for each message (about a millisecond each).
        self.proxy = requests.utils.get_environ_proxies(self.base_url or TWILIO_ORIGIN)
        self.session.trust_env = False

    def request(self, method, url, *args, **kwargs):
        if self.base_url and url.startswith(TWILIO_ORIGIN):
            url = self.base_url + url[len(TWILIO_ORIGIN):]
        return super().request(method, url, *args, **kwargs)


def classify(error: TwilioRestException) -> SendResult:
    """Map a provider error answer to what the sender should do about it."""
    code = error.code if isinstance(error.code, int) else None
    reason = f"{code or error.status}: {error.msg}"[:200]
    if error.status == 429 or code in THROTTLE_CODES:
        return SendResult(SendOutcome.THROTTLED, code=code or 20429, reason=reason)
    if error.status >= 500:
        return SendResult(SendOutcome.UNKNOWN, code=code, reason=reason)
    if code == STOPPED_CODE:
        return SendResult(SendOutcome.OPTED_OUT, code=code, reason=reason)
    if code in PROVIDER_WIDE_CODES or error.status in (401, 403):
        return SendResult(SendOutcome.PROVIDER_FAULT, code=code, reason=reason)
    return SendResult(SendOutcome.REJECTED, code=code, reason=reason)


class TwilioGateway:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.timeout = settings.twilio_timeout_seconds
        self.http = RebasedHttpClient(settings.twilio_api_url, timeout=self.timeout,
                                      pool_size=max(2, settings.sender_connections))
        self.client = Client(settings.twilio_account_sid, settings.twilio_auth_token, http_client=self.http)
        self.sender = (
            {"messaging_service_sid": settings.twilio_messaging_service_sid}
            if settings.twilio_messaging_service_sid
            else {"from_": settings.twilio_from_number}
        )

    def send(self, to: str, body: str, *, status_callback: str | None = None) -> SendResult:
        try:
            message = self.client.messages.create(to=to, body=body, status_callback=status_callback, **self.sender)
        except TwilioRestException as error:
            return classify(error)
        except (requests.RequestException, TwilioException, OSError) as error:
            # Timed out or the connection broke: Twilio may have created the message. Unknown, not failed.
            return SendResult(SendOutcome.UNKNOWN, reason=f"{type(error).__name__}"[:200])
        return SendResult(SendOutcome.ACCEPTED, sid=message.sid, status=message.status)

    def find(self, to: str, body: str, since: datetime) -> FoundMessage | None:
        # Twilio filters DateSent by whole seconds (and by date on some paths); widen by a minute and
        # match the body exactly, which is what makes the message ours.
        for message in self.client.messages.stream(to=to, date_sent_after=since - timedelta(minutes=1),
                                                   page_size=50, limit=500):
            if message.body == body:
                return FoundMessage(message.sid, message.status)
        return None

    def status(self, sid: str) -> str | None:
        try:
            return self.client.messages(sid).fetch().status
        except TwilioRestException as error:
            if error.status == 404:
                return None
            raise
