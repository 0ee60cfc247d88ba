"""`flask phone ...`: a phone in the terminal that talks to the hotline exactly as Twilio would.

`flask phone call NUMBER` posts signed voice webhooks (to settings.public_url, another `--url`, or the app
in-process with `--local`), prints what the caller would hear, and sends the keys typed (or scripted with
`--keys 1,2,#`). The end-to-end tests talk through the same `PhoneCall`. Other channels add their commands
to the same group (`phone_group`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import secrets
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Protocol

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from twilio.request_validator import RequestValidator

phone_group = AppGroup("phone", help="Call or text the hotline from a terminal, as Twilio would.")

DIAL_STATUSES = ("completed", "busy", "no-answer", "failed", "canceled")
SILENCE = "_"


@contextlib.contextmanager
def transcript_only():
    """With --local the app runs in this terminal: its per-request log lines would land in the middle of
    the transcript, so only warnings and errors are logged meanwhile (a running app logs every request)."""
    loggers = [logging.getLogger(name) for name in ("hotline", "workers", "rq.worker")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(max(logger.getEffectiveLevel(), logging.WARNING))
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


class Transport(Protocol):
    def post(self, path: str, params: dict[str, str]) -> tuple[int, str]:
        """POST signed form `params` to `path` (with its query); the HTTP status and the body."""
        ...


def sign(auth_token: str, url: str, params: dict[str, str]) -> str:
    return RequestValidator(auth_token).compute_signature(url, params)


class HttpTransport:
    """Real HTTP to a running hotline; signed for the URL posted to, as Twilio does."""

    def __init__(self, base_url: str, auth_token: str, timeout: float = 15.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.auth_token = auth_token
        self.timeout = timeout

    def post(self, path: str, params: dict[str, str]) -> tuple[int, str]:
        url = self.base_url + path
        data = urllib.parse.urlencode(params).encode()
        headers = {"X-Twilio-Signature": sign(self.auth_token, url, params),
                   "Content-Type": "application/x-www-form-urlencoded"}
        req = urllib.request.Request(url, data=data, headers=headers, method="POST")  # noqa: S310 - our URL
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as response:  # noqa: S310
                return response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace")


class FlaskTransport:
    """The app in-process (Flask test client), signed for settings.public_url like Twilio's requests."""

    def __init__(self, client, public_url: str, auth_token: str) -> None:
        self.client = client
        self.public_url = public_url.rstrip("/")
        self.auth_token = auth_token

    def post(self, path: str, params: dict[str, str]) -> tuple[int, str]:
        signature = sign(self.auth_token, self.public_url + path, params)
        response = self.client.post(path, data=params, headers={"X-Twilio-Signature": signature})
        return response.status_code, response.get_data(as_text=True)


@dataclass
class Turn:
    """What one answer said, and what the line waits for next."""

    status: int
    body: str
    said: list[tuple[str, str]] = field(default_factory=list)  # (language, text)
    waiting: str = "end"  # "gather" | "dial" | "hangup" | "end"
    action: str | None = None  # where the Gather or Dial posts
    gather: dict[str, str] = field(default_factory=dict)
    dialled: list[str] = field(default_factory=list)
    wait_url: str | None = None  # an <Enqueue>'s waitUrl: what the caller hears while in the queue

    @property
    def text(self) -> str:
        return " ".join(text for _, text in self.said)


def parse(status: int, body: str) -> Turn:
    """Read TwiML the way Twilio plays it: says in order, then the first verb that waits."""
    turn = Turn(status=status, body=body)
    if status != 200:
        turn.waiting = "error"
        return turn
    root = ET.fromstring(body)  # noqa: S314 - our own server's answer
    if root.tag != "Response":
        raise ValueError(f"not TwiML: <{root.tag}>")
    for verb in root:
        if verb.tag == "Say":
            turn.said.append((verb.get("language", ""), verb.text or ""))
        elif verb.tag == "Gather":
            turn.said.extend((say.get("language", ""), say.text or "") for say in verb if say.tag == "Say")
            turn.waiting, turn.action, turn.gather = "gather", verb.get("action"), dict(verb.attrib)
            return turn
        elif verb.tag == "Dial":
            turn.dialled.append((verb.text or "").strip())
            if verb.get("action"):
                turn.waiting, turn.action = "dial", verb.get("action")
                return turn
        elif verb.tag == "Enqueue":
            turn.waiting, turn.action, turn.wait_url = "queue", verb.get("action"), verb.get("waitUrl")
            return turn
        elif verb.tag == "Leave":
            turn.waiting = "leave"
            return turn
        elif verb.tag == "Hangup":
            turn.waiting = "hangup"
            return turn
        elif verb.tag == "Redirect":
            turn.waiting, turn.action = "redirect", (verb.text or "").strip()
            return turn
    return turn


class PhoneCall:
    """One call, driven key by key, exactly as Twilio would post it."""

    def __init__(self, transport: Transport, caller: str, to: str = "+8612123", call_sid: str | None = None,
                 account_sid: str = "AC" + "0" * 32) -> None:
        self.transport = transport
        self.caller = caller
        self.to = to
        self.call_sid = call_sid or "CA" + secrets.token_hex(16)
        self.account_sid = account_sid
        self.turn: Turn | None = None
        self.turns: list[Turn] = []
        self.last_request: tuple[str, dict[str, str]] | None = None
        self.queued: Turn | None = None  # the <Enqueue> the call waits in, while it does

    def _params(self, **extra: str) -> dict[str, str]:
        return {
            "AccountSid": self.account_sid, "ApiVersion": "2010-04-01", "CallSid": self.call_sid,
            "CallStatus": "in-progress", "Direction": "inbound", "From": self.caller, "Caller": self.caller,
            "To": self.to, "Called": self.to, **extra,
        }

    def _post(self, path: str, params: dict[str, str]) -> Turn:
        self.last_request = (path, params)
        status, body = self.transport.post(path, params)
        turn = parse(status, body)
        while turn.waiting == "redirect":
            status, body = self.transport.post(turn.action, self._params())
            turn = parse(status, body)
        self.turn = turn
        self.turns.append(turn)
        if turn.waiting == "queue":
            self.queued = turn
        return turn

    def start(self) -> Turn:
        return self._post("/voice/incoming", self._params(CallStatus="ringing"))

    def press(self, keys: str) -> Turn:
        """Send what a Gather collected. The finishing key (`#` at digit entry) is not sent, as Twilio does."""
        turn = self._expect("gather")
        finish = turn.gather.get("finishOnKey", "#")
        extra = {"msg": "Gather End"}
        if finish and keys.endswith(finish):
            keys, extra["FinishedOnKey"] = keys[: -len(finish)], finish
        extra["Digits"] = keys
        return self._post(turn.action, self._params(**extra))

    def silence(self) -> Turn:
        turn = self._expect("gather")
        return self._post(turn.action, self._params())

    def speak(self, words: str, confidence: str = "0.9") -> Turn:
        turn = self._expect("gather")
        return self._post(turn.action, self._params(SpeechResult=words, Confidence=confidence))

    def dial_result(self, status: str = "no-answer") -> Turn:
        """How the wait for a person ended, as a Dial status: from the queue, `completed` is a call bridged
        to a person and anything else Twilio giving up on the queue (`error`)."""
        if self.turn is not None and self.turn.waiting == "queue":
            return self.leave_queue("bridged" if status == "completed" else "error")
        turn = self._expect("dial")
        return self._post(turn.action, self._params(DialCallStatus=status, DialCallSid="CA" + secrets.token_hex(16)))

    def hold(self, position: int = 1, *, size: int | None = None, waited: int = 0, average: int = 0) -> Turn:
        """Twilio asks the queue's wait URL (at entry, and again each time its TwiML has played out)."""
        if self.queued is None or not self.queued.wait_url:
            raise RuntimeError("the call is not waiting in a queue")
        queue = {"QueueSid": "QU" + "0" * 32, "QueuePosition": str(position),
                 "CurrentQueueSize": str(size or position), "QueueTime": str(waited), "AvgQueueTime": str(average)}
        return self._post(self.queued.wait_url, self._params(**queue))

    def leave_queue(self, result: str = "leave", waited: int = 0) -> Turn:
        """The call left the queue (`leave` after <Leave/>, `bridged` after talking to a person, `hangup`):
        Twilio asks the <Enqueue> action with QueueResult, and the menu goes on from there."""
        if self.queued is None:
            raise RuntimeError("the call is not waiting in a queue")
        queued, self.queued = self.queued, None
        return self._post(queued.action, self._params(QueueResult=result, QueueSid="QU" + "0" * 32,
                                                      QueueTime=str(waited)))

    def repeat_last(self) -> Turn:
        """Post the previous webhook again, as Twilio does when our answer did not reach it."""
        path, params = self.last_request
        return self._post(path, params)

    def hangup(self) -> tuple[int, str]:
        return self.transport.post("/voice/status", self._params(CallStatus="completed", CallDuration="42"))

    def _expect(self, waiting: str) -> Turn:
        if self.turn is None or self.turn.waiting != waiting:
            raise RuntimeError(f"the line is not waiting for {waiting} (it is {self.turn and self.turn.waiting})")
        return self.turn


# --- the command ----------------------------------------------------------------------------------


def _show(turn: Turn) -> None:
    if turn.status != 200:
        click.echo(f"  !! HTTP {turn.status}: {turn.body.strip()[:200]}")
        return
    for language, text in turn.said:
        click.echo(f"  [{language}] {text}")
    for number in turn.dialled:
        click.echo(f"  (dialling {number})")
    if turn.waiting == "gather":
        digits = turn.gather.get("numDigits")
        finish = turn.gather.get("finishOnKey")
        how = f"{digits} key(s)" if digits else "keys"
        click.echo(f"  ... waits for {how}" + (f", ended by {finish}" if finish else ""))
    elif turn.waiting in ("hangup", "end"):
        click.echo("  (the hotline hangs up)")
    elif turn.waiting == "queue":
        click.echo("  (the call waits in the queue for a person)")


class _Keys:
    """Keys from the script (`--keys 1,2,#`) or, without one, typed at the prompt."""

    def __init__(self, script: str | None) -> None:
        self.script = [token.strip() for token in script.split(",")] if script is not None else None

    def peek(self) -> str | None:
        return self.script[0] if self.script else None

    def next(self) -> str | None:
        if self.script is not None:
            return self.script.pop(0) if self.script else None
        try:
            line = input("keys> ")
        except EOFError:
            return None
        return None if line.strip().lower() in ("q", "quit", "hangup") else line.strip()


@phone_group.command("call")
@click.argument("number")
@click.option("--keys", default=None, help="A scripted call: keys per prompt, comma-separated ('_' is silence).")
@click.option("--url", default=None, help="Base URL of the hotline (default: HOTLINE_PUBLIC_URL).")
@click.option("--local", is_flag=True, help="Call the app in this process instead of over HTTP.")
@click.option("--dial-status", default="no-answer", type=click.Choice(DIAL_STATUSES),
              help="How a transfer to a person ends, unless the script says (completed, busy, ...).")
def call_command(number: str, keys: str | None, url: str | None, local: bool, dial_status: str) -> None:
    """Call the hotline from NUMBER; prints what would be said and sends keys from stdin or --keys."""
    settings = current_app.extensions["hotline"].settings
    if local:
        transport: Transport = FlaskTransport(current_app.test_client(), settings.public_url,
                                              settings.twilio_auth_token)
        click.echo(f"> calling the hotline in-process from {number}")
        with transcript_only():
            _call(transport, number, settings, keys, dial_status)
    else:
        base = url or settings.public_url
        transport = HttpTransport(base, settings.twilio_auth_token)
        click.echo(f"> calling {base} from {number}")
        _call(transport, number, settings, keys, dial_status)


def _call(transport: Transport, number: str, settings, keys: str | None, dial_status: str) -> None:
    phone = PhoneCall(transport, number, to=settings.twilio_from_number)
    turn = phone.start()
    _show(turn)
    source = _Keys(keys)
    line = _QueueLine(settings, phone.call_sid)
    while turn.waiting in ("gather", "dial", "queue", "leave"):
        if turn.waiting == "queue":
            # In the queue: Twilio asks the wait URL with the caller's place (the loopback keeps the queue).
            click.echo("< (waiting in the queue for a person)")
            turn = phone.hold(**line.place())
        elif turn.waiting == "leave":
            line.leave()
            click.echo("< (the caller leaves the queue)")
            turn = phone.leave_queue("leave")
        elif turn.waiting == "dial":
            # How the person's line ends is not a key: the script may name it, else --dial-status.
            status = source.next() if source.peek() in DIAL_STATUSES else dial_status
            click.echo(f"< (the person's line: {status})")
            turn = phone.dial_result(status)
        else:
            token = source.next()
            if token is None:
                break
            if token in ("", SILENCE) and phone.queued is not None:
                click.echo("< (silence: the wait repeats)")
                turn = phone.hold(**line.place())
            elif token in ("", SILENCE):
                click.echo("< (silence)")
                turn = phone.silence()
            else:
                click.echo(f"< {token}")
                turn = phone.press(token)
        _show(turn)
    line.leave()
    phone.hangup()
    click.echo("> call ended")


class _QueueLine:
    """The caller's place in the queue, from the loopback Twilio when one runs (HOTLINE_TWILIO_API_URL),
    which keeps every caller's place as Twilio would; else first in line."""

    def __init__(self, settings, call_sid: str) -> None:
        self.base = (settings.twilio_api_url or "").rstrip("/")
        self.queue = f"{settings.rq_queue_prefix}-agents"
        self.call_sid = call_sid

    def _control(self, path: str, body: dict) -> dict | None:
        if not self.base:
            return None
        req = urllib.request.Request(self.base + path, data=json.dumps(body).encode(), method="POST",  # noqa: S310
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=5) as response:  # noqa: S310 - the configured loopback
                return json.loads(response.read())
        except (OSError, ValueError):
            return None

    def place(self) -> dict[str, int]:
        found = self._control("/_loopback/queues/enter", {"queue": self.queue, "call_sid": self.call_sid}) or {}
        return {"position": int(found.get("QueuePosition", 1)), "size": int(found.get("CurrentQueueSize", 1)),
                "waited": int(found.get("QueueTime", 0)), "average": int(found.get("AvgQueueTime", 0))}

    def leave(self) -> None:
        self._control("/_loopback/queues/leave", {"call_sid": self.call_sid})


def register(app: Flask) -> None:
    app.cli.add_command(phone_group)
