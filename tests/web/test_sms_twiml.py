"""The SMS door's TwiML, written without the twilio library's builder, is byte for byte what the builder writes."""

from __future__ import annotations

import pytest
from twilio.twiml.messaging_response import MessagingResponse

from hotline.web.sms import twiml


def _builder(text: str | None) -> str:
    response = MessagingResponse()
    if text:
        response.message(text)
    return str(response)


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "【交警】您有3条违法记录：1. 闽A·12345 超速，罚款200元，扣3分。回复BL 1办理。",
        "Reply WZ for violations & JZ for your licence <no fee> \"quoted\" 'single'",
        "a]]>b &amp; &#38; &lt;",
        "line one\nline two\r\n\ttabbed  spaced ",
        "emoji 🚗 and ideographs 𠀀",
        "\x7f\u0085\u2028",
    ],
)
def test_the_sms_answer_is_what_the_twilio_builder_writes(text):
    response = twiml(text)
    assert response.mimetype == "text/xml"
    assert response.get_data(as_text=True) == _builder(text)
