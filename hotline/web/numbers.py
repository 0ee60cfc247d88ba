"""The numbers on a Twilio webhook, checked at the door before anything is kept about them.

Twilio writes `From` and `To` in E.164 when a telephone is on the line, but a signed request may carry
anything else: `client:alice` (a softphone), `anonymous` (a withheld number), 5,000 digits. A text from
such a sender leaves no trace (no opt-out, no conversation, no Redis key named after it); a call from one
goes on as a call from a withheld number. `To` is the hotline's own number, a service number such as
+8612123 that phonenumbers calls possible but not valid; it is checked only when Twilio sends it, since
nothing is kept from it.
"""

from __future__ import annotations

import logging

from .. import phones

log = logging.getLogger(__name__)


def sender(value: str) -> str | None:
    """`From` in E.164 when it is a valid telephone number, else None."""
    number = phones.from_twilio(value)
    return number.e164 if number is not None and number.valid else None


def to_us(value: str) -> bool:
    """True when `To` is absent or a possible telephone number."""
    if not value:
        return True
    number = phones.from_twilio(value)
    return number is not None and number.possible


def not_a_number(what: str, field: str, value: str, *, level: int = logging.WARNING) -> None:
    """The one log line for a webhook whose `field` is no phone number; the value itself stays out of the
    log (it may be huge, or someone's number written oddly), only its length goes in."""
    log.log(level, "%s: %s is not a phone number", what, field, extra={"field": field, "length": len(value)})
