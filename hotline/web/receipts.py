"""`POST /sms/status`: Twilio's message status callbacks (signature checked), recorded per attempt."""

from __future__ import annotations

import re

from flask import Blueprint, Response, request

from ..digits import whole_number
from ..notify.receipts import Receipt, apply_receipt
from .auth import runtime, twilio_signed

bp = Blueprint("receipts", __name__)

_SID = re.compile(r"^[A-Za-z]{2}[0-9A-Za-z]{10,62}$")


@bp.post("/sms/status")
@twilio_signed
def status():
    sid = request.form.get("MessageSid") or request.form.get("SmsSid") or ""
    state = request.form.get("MessageStatus") or request.form.get("SmsStatus") or ""
    if not _SID.match(sid) or not state.isalpha():
        return Response("missing or malformed MessageSid or MessageStatus\n", status=400, mimetype="text/plain")
    receipt = Receipt(
        sid=sid,
        status=state[:20],
        error_code=(request.form.get("ErrorCode") or "").strip()[:10] or None,
        attempt_id=whole_number(request.args.get("attempt")),
    )
    # An unknown SID is acknowledged too: Twilio would only retry it, and nothing of ours is waiting.
    apply_receipt(runtime(), receipt)
    return Response("", status=200, mimetype="text/plain")
