"""`flask phone sms NUMBER TEXT`: text the hotline from a terminal, exactly as Twilio would post it.

The text goes as a signed Messaging webhook to settings.public_url (or `--url`), or to the app in this
process with `--local`; the reply (the TwiML <Message>) is printed, or "(no reply)" for an empty answer.
"""

from __future__ import annotations

import secrets
import xml.etree.ElementTree as ET

import click
from flask import current_app

from .phone import FlaskTransport, HttpTransport, Transport, phone_group, transcript_only


def reply_text(body: str) -> str | None:
    """The text of the TwiML reply, or None when the hotline chose to say nothing."""
    root = ET.fromstring(body)  # noqa: S314 - our own server's answer
    message = root.find("Message")
    if message is None:
        return None
    inner = message.find("Body")
    return (inner.text if inner is not None else message.text) or ""


def send(transport: Transport, sender: str, to: str, text: str, *, account_sid: str,
         opt_out_type: str | None = None) -> tuple[int, str]:
    params = {
        "MessageSid": "SM" + secrets.token_hex(16), "SmsSid": "", "AccountSid": account_sid,
        "From": sender, "To": to, "Body": text, "NumMedia": "0", "NumSegments": "1", "ApiVersion": "2010-04-01",
    }
    params["SmsSid"] = params["MessageSid"]
    if opt_out_type:
        params["OptOutType"] = opt_out_type
    return transport.post("/sms/incoming", params)


@phone_group.command("sms")
@click.argument("number")
@click.argument("text")
@click.option("--url", default=None, help="Base URL of the hotline (default: HOTLINE_PUBLIC_URL).")
@click.option("--local", is_flag=True, help="Text the app in this process instead of over HTTP.")
@click.option("--opt-out-type", type=click.Choice(["STOP", "START", "HELP"]), default=None,
              help="Mark the text as Twilio does for its own opt-out keywords.")
def sms_command(number: str, text: str, url: str | None, local: bool, opt_out_type: str | None) -> None:
    """Text TEXT to the hotline from NUMBER and print the reply."""
    settings = current_app.extensions["hotline"].settings
    if local:
        transport: Transport = FlaskTransport(current_app.test_client(), settings.public_url,
                                              settings.twilio_auth_token)
        with transcript_only():
            status, body = send(transport, number, settings.twilio_from_number, text,
                                account_sid=settings.twilio_account_sid, opt_out_type=opt_out_type)
    else:
        transport = HttpTransport(url or settings.public_url, settings.twilio_auth_token)
        status, body = send(transport, number, settings.twilio_from_number, text,
                            account_sid=settings.twilio_account_sid, opt_out_type=opt_out_type)
    if status != 200:
        raise click.ClickException(f"the hotline answered HTTP {status}: {body.strip()[:200]}")
    reply = reply_text(body)
    click.echo(reply if reply is not None else "(no reply)")
