"""The SMS door: `POST /sms/incoming`, Twilio's Messaging webhook, answered with TwiML.

Signature first (`@twilio_signed`), then one call into hotline/sms. Whatever goes wrong inside, Twilio
gets a 200 with a short apology: a 500 would make Twilio retry and the sender would hear nothing.
An empty <Response/> means "no reply" (rate limited, a STOP that Twilio answers itself, or a sender that is
no phone number: web/numbers.py).
(`POST /sms/status`, the message status callback, lives with the receipts in web/receipts.py.)
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, request
from twilio.twiml.messaging_response import MessagingResponse

from ..masking import mask_phone
from ..sms.handler import answer, fallback_reply
from . import numbers
from .auth import runtime, twilio_signed

log = logging.getLogger("hotline.web.sms")

bp = Blueprint("sms", __name__)


def twiml(text: str | None) -> Response:
    response = MessagingResponse()
    if text:
        response.message(text)
    return Response(str(response), mimetype="text/xml")


@bp.post("/sms/incoming")
@twilio_signed
def incoming():
    raw_sender, to = request.form.get("From", ""), request.form.get("To", "")
    sender = numbers.sender(raw_sender)
    if sender is None or not numbers.to_us(to):
        # Before any state: no opt-out, conversation or rate-limit key is made for what is no phone number.
        field, value = ("From", raw_sender) if sender is None else ("To", to)
        numbers.not_a_number("sms not answered", field, value)
        return twiml(None)
    rt = runtime()
    body = request.form.get("Body", "")
    opt_out_type = request.form.get("OptOutType") or None
    try:
        return twiml(answer(rt, sender, body, opt_out_type))
    except Exception:  # never a 500 to Twilio: the sender gets an apology, the log gets the reason
        log.exception("sms webhook failed", extra={"phone": mask_phone(sender)})
        return twiml(fallback_reply(rt, sender))
