"""Texting the hotline as Twilio would: signed form posts to /sms/incoming, the TwiML reply read back."""

from __future__ import annotations

import itertools
from xml.etree import ElementTree

from tests.twilio_signing import signed_post

_sids = itertools.count(1)


def text(client, settings, sender: str, body: str, **extra: str) -> str | None:
    """Send one text; the reply's body, or None when the hotline answered with an empty <Response/>."""
    params = {
        "MessageSid": f"SM{next(_sids):032d}",
        "AccountSid": settings.twilio_account_sid,
        "From": sender,
        "To": settings.twilio_from_number,
        "Body": body,
        "NumMedia": "0",
        **extra,
    }
    response = signed_post(client, settings, "/sms/incoming", params)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/xml"
    return reply_of(response.get_data(as_text=True))


def reply_of(twiml: str) -> str | None:
    root = ElementTree.fromstring(twiml)
    assert root.tag == "Response"
    messages = root.findall("Message")
    assert len(messages) <= 1
    if not messages:
        return None
    body = messages[0].find("Body")
    return (body.text if body is not None else messages[0].text) or ""


def read(session, query) -> list:
    """Rows as the hotline committed them. The test's transaction ends at once (the rows detached) so
    that the app, which writes with BEGIN IMMEDIATE on SQLite, is never kept waiting by the test."""
    session.expire_all()
    rows = list(session.scalars(query))
    session.expunge_all()
    session.rollback()
    return rows
