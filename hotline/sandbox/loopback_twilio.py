"""A Twilio on loopback: the Messages API as the `twilio` client calls it, for tests, the demo and benchmarks.

The real `twilio` client talks HTTP to it (`HOTLINE_TWILIO_API_URL=http://127.0.0.1:8089`), so request
building, basic auth, paging and error handling all run for real, the way twilio-python's own holodeck sits
below the client rather than replacing it.

What it speaks:
- `POST /2010-04-01/Accounts/{sid}/Messages.json` (To, From or MessagingServiceSid, Body, StatusCallback):
  201 with a message resource (`sid` "SM…", `status` "queued"), or Twilio's error JSON.
- `GET /2010-04-01/Accounts/{sid}/Messages.json?To=…&DateSent>=…` and `GET …/Messages/{sid}.json`:
  Twilio's paging shape, newest first, for reconciliation.
- Status callbacks posted back to each message's StatusCallback, signed with the auth token like Twilio.
- `POST /2010-04-01/Accounts/{sid}/Calls.json` (To, From, Url or Twiml, StatusCallback): 201 with a call
  resource (`sid` "CA…", `status` "queued"); `GET …/Calls/{sid}.json`. Nobody's phone rings: a test (or
  `/_loopback/calls/answer` and `/_loopback/calls/end`) plays the person called. `answer(sid)` fetches the
  call's Url, signed, as Twilio does when the callee picks up, and returns the TwiML; `end(sid, status)`
  posts the status callback (`completed` after an answer, or `no-answer`, `busy`, `failed`).

What it remembers and what it can be told (Python: the `Loopback` object; over HTTP: `/_loopback/...`):
- `messages()` every message it created, in order; `requests_seen` every create it answered.
- `calls()` every call it created, in order, each with the TwiML its Url answered.
- queues: `enter(queue, call_sid)` puts a caller in a named queue and gives their place, the queue's size
  and the average wait of those who left it (`QueuePosition`, `CurrentQueueSize`, `AvgQueueTime`, as
  Twilio posts them to a wait URL); `leave(call_sid)` takes them out. `flask phone call` uses these over
  HTTP (`/_loopback/queues/enter`, `/_loopback/queues/leave`) to hear the queue as a caller would.
- `fail_next(count, status, code)`: answer the next `count` creates with an error *without* creating.
- `fail_for(to, code, status=400)`: answer creates to one recipient with a Twilio error code.
- `latency` seconds before answering a create.
- `hold(k)`: create the k-th message (1-based, counting created messages) and then hold its response open
  until `release()` (or `hold_seconds`), as when a network drops the answer to a request that worked.
- `outcomes`: the statuses posted back per recipient (default `sent`, `delivered`); e.g.
  `["undelivered:30003"]`, or `["delivered", "sent"]` to post a late `sent`.

Run it alone with `python -m hotline.sandbox.loopback_twilio --port 8089`; with `--print` every message is also
printed, which is how the demo shows the notices it sent.
"""

from __future__ import annotations

import argparse
import base64
import hmac
import itertools
import json
import queue
import secrets
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import requests
from twilio.request_validator import RequestValidator

from ..config import DEV_TWILIO_ACCOUNT_SID, DEV_TWILIO_AUTH_TOKEN

API_PREFIX = "/2010-04-01/Accounts/"
DEFAULT_OUTCOMES = ("sent", "delivered")


@dataclass
class Message:
    sid: str
    account_sid: str
    to: str
    from_: str
    messaging_service_sid: str | None
    body: str
    status_callback: str | None
    date_created: datetime
    status: str = "queued"
    error_code: int | None = None

    def resource(self) -> dict:
        stamp = format_datetime(self.date_created, usegmt=True)
        return {
            "sid": self.sid,
            "account_sid": self.account_sid,
            "api_version": "2010-04-01",
            "body": self.body,
            "date_created": stamp,
            "date_updated": stamp,
            "date_sent": stamp,
            "direction": "outbound-api",
            "error_code": self.error_code,
            "error_message": None,
            "from": self.from_,
            "messaging_service_sid": self.messaging_service_sid,
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "status": self.status,
            "to": self.to,
            "uri": f"{API_PREFIX}{self.account_sid}/Messages/{self.sid}.json",
        }


@dataclass
class Call:
    sid: str
    account_sid: str
    to: str
    from_: str
    url: str | None
    twiml: str | None
    status_callback: str | None
    date_created: datetime
    status: str = "queued"
    answered: list[str] = field(default_factory=list)  # the TwiML the Url gave at each answer

    def resource(self) -> dict:
        stamp = format_datetime(self.date_created, usegmt=True)
        return {
            "sid": self.sid,
            "account_sid": self.account_sid,
            "api_version": "2010-04-01",
            "date_created": stamp,
            "date_updated": stamp,
            "direction": "outbound-api",
            "from": self.from_,
            "to": self.to,
            "status": self.status,
            "uri": f"{API_PREFIX}{self.account_sid}/Calls/{self.sid}.json",
        }


@dataclass
class Script:
    """What the loopback has been told to do; changed under the server's lock."""

    failures: list[tuple[int, int]] = field(default_factory=list)  # (status, code), consumed one per create
    errors_for: dict[str, tuple[int, int]] = field(default_factory=dict)  # to -> (status, code)
    latency: float = 0.0
    hold_at: set[int] = field(default_factory=set)  # 1-based numbers of created messages to hold
    hold_seconds: float = 120.0
    outcomes: dict[str, list[str]] = field(default_factory=dict)  # to -> statuses posted back
    default_outcomes: list[str] = field(default_factory=lambda: list(DEFAULT_OUTCOMES))
    callback_delay: float = 0.0


class Loopback:
    """The server and its record. `start()` serves on a thread; `serve_forever()` in the foreground."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        account_sid: str = DEV_TWILIO_ACCOUNT_SID,
        auth_token: str = DEV_TWILIO_AUTH_TOKEN,
        callbacks: bool = True,
        echo=None,
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.callbacks = callbacks
        self.echo = echo  # a callable given each created Message (the demo prints them)
        self.script = Script()
        self.lock = threading.Lock()
        self._messages: list[Message] = []
        self._by_sid: dict[str, Message] = {}
        self._calls: list[Call] = []
        self._queues: dict[str, list[tuple[str, float]]] = {}  # name -> [(call sid, entered, monotonic)]
        self._queue_waits: dict[str, list[float]] = {}  # name -> seconds waited by those who left
        self.requests_seen = 0  # creates answered, errors included
        self.callbacks_posted = 0
        self._release = threading.Event()
        self._expected_auth = "Basic " + base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode()
        self._validator = RequestValidator(auth_token)
        self._callback_queue: queue.Queue = queue.Queue()
        self.server = _Server((host, port), _Handler)
        self.server.loopback = self
        self._threads: list[threading.Thread] = []

    # -- life ---------------------------------------------------------------------------------------
    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Loopback:
        self._start_callback_threads()
        thread = threading.Thread(target=self.server.serve_forever, name="loopback-twilio", daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def serve_forever(self) -> None:
        self._start_callback_threads()
        self.server.serve_forever()

    def stop(self) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()
        for _ in range(len(self._threads)):
            self._callback_queue.put(None)

    def _start_callback_threads(self, count: int = 2) -> None:
        for n in range(count):
            thread = threading.Thread(target=self._post_callbacks, name=f"loopback-callbacks-{n}", daemon=True)
            thread.start()
            self._threads.append(thread)

    # -- the script ---------------------------------------------------------------------------------
    def fail_next(self, count: int, status: int = 429, code: int | None = None) -> None:
        """Answer the next `count` creates with `status` (and Twilio `code`) without creating a message."""
        code = code or (20429 if status == 429 else 20500)
        with self.lock:
            self.script.failures.extend([(status, code)] * count)

    def fail_for(self, to: str, code: int, status: int = 400) -> None:
        with self.lock:
            self.script.errors_for[to] = (status, code)

    def hold(self, *numbers: int, seconds: float = 120.0) -> None:
        with self.lock:
            self.script.hold_at.update(numbers)
            self.script.hold_seconds = seconds
            self._release.clear()

    def release(self) -> None:
        self._release.set()

    def set_latency(self, seconds: float) -> None:
        with self.lock:
            self.script.latency = seconds

    def set_outcomes(self, statuses: list[str], to: str | None = None) -> None:
        """Statuses posted back, e.g. ["sent", "delivered"] or ["undelivered:30003"]; per recipient if `to`."""
        with self.lock:
            if to is None:
                self.script.default_outcomes = list(statuses)
            else:
                self.script.outcomes[to] = list(statuses)

    def reset(self) -> None:
        with self.lock:
            self.script = Script()
            self._messages.clear()
            self._by_sid.clear()
            self._calls.clear()
            self._queues.clear()
            self._queue_waits.clear()
            self.requests_seen = 0
            self.callbacks_posted = 0

    # -- the record ---------------------------------------------------------------------------------
    def messages(self, to: str | None = None) -> list[Message]:
        with self.lock:
            return [m for m in self._messages if to is None or m.to == to]

    def bodies(self) -> list[str]:
        return [m.body for m in self.messages()]

    def message_count(self) -> int:
        """How many messages were created, without copying the record (a benchmark asks this many times a
        second while the record grows to 100,000, in the process that serves the messages)."""
        with self.lock:
            return len(self._messages)

    # -- what a create does -------------------------------------------------------------------------
    def create(self, account_sid: str, form: dict[str, str]) -> tuple[int, dict, bool]:
        """Returns (HTTP status, JSON payload, hold the answer?)."""
        to = form.get("To", "")
        with self.lock:
            if self.script.failures:
                status, code = self.script.failures.pop(0)
                return status, _error(status, code, "scripted failure"), False
            if to in self.script.errors_for:
                status, code = self.script.errors_for[to]
                return status, _error(status, code, f"scripted error {code}"), False
            if not to:
                return 400, _error(400, 21604, "A 'To' phone number is required."), False
            if not form.get("Body"):
                return 400, _error(400, 21602, "Message body is required."), False
            if not form.get("From") and not form.get("MessagingServiceSid"):
                return 400, _error(400, 21603, "A 'From' phone number is required."), False
            message = Message(
                sid="SM" + secrets.token_hex(16),
                account_sid=account_sid,
                to=to,
                from_=form.get("From") or "",
                messaging_service_sid=form.get("MessagingServiceSid"),
                body=form["Body"],
                status_callback=form.get("StatusCallback"),
                date_created=datetime.now(UTC).replace(microsecond=0),
            )
            self._messages.append(message)
            self._by_sid[message.sid] = message
            hold = len(self._messages) in self.script.hold_at
            outcomes = list(self.script.outcomes.get(to, self.script.default_outcomes))
            delay = self.script.callback_delay
        if self.echo is not None:
            self.echo(message)
        if self.callbacks and message.status_callback:
            self._callback_queue.put((time.monotonic() + delay, message, outcomes))
        return 201, message.resource(), hold

    def list_messages(self, query: dict[str, str]) -> list[Message]:
        to = query.get("To")
        after = _parse_date(query.get("DateSent>"))
        before = _parse_date(query.get("DateSent<"))
        with self.lock:
            found = [
                m
                for m in self._messages
                if (to is None or m.to == to)
                and (after is None or m.date_created >= after)
                and (before is None or m.date_created <= before)
            ]
        return list(reversed(found))  # Twilio lists newest first

    def find(self, sid: str) -> Message | None:
        with self.lock:
            return self._by_sid.get(sid)

    def authorised(self, header: str | None) -> bool:
        return header is not None and hmac.compare_digest(header, self._expected_auth)

    def wait_held(self) -> None:
        self._release.wait(self.script.hold_seconds)

    # -- calls --------------------------------------------------------------------------------------
    def create_call(self, account_sid: str, form: dict[str, str]) -> tuple[int, dict]:
        to = form.get("To", "")
        if not to:
            return 400, _error(400, 21201, "No 'To' number is specified")
        if not form.get("From"):
            return 400, _error(400, 21213, "No 'From' number is specified")
        if not form.get("Url") and not form.get("Twiml"):
            return 400, _error(400, 21205, "Url parameter is required.")
        with self.lock:
            if self.script.failures:
                status, code = self.script.failures.pop(0)
                return status, _error(status, code, "scripted failure")
            call = Call(sid="CA" + secrets.token_hex(16), account_sid=account_sid, to=to, from_=form["From"],
                        url=form.get("Url"), twiml=form.get("Twiml"), status_callback=form.get("StatusCallback"),
                        date_created=datetime.now(UTC).replace(microsecond=0))
            self._calls.append(call)
        return 201, call.resource()

    def calls(self, to: str | None = None) -> list[Call]:
        with self.lock:
            return [c for c in self._calls if to is None or c.to == to]

    def find_call(self, sid: str) -> Call | None:
        with self.lock:
            return next((c for c in self._calls if c.sid == sid), None)

    def _call_params(self, call: Call, status: str) -> dict[str, str]:
        return {"AccountSid": call.account_sid, "CallSid": call.sid, "From": call.from_, "To": call.to,
                "CallStatus": status, "Direction": "outbound-api", "ApiVersion": "2010-04-01"}

    def _post_signed(self, url: str, params: dict[str, str]) -> requests.Response:
        signature = self._validator.compute_signature(url, params)
        return requests.post(url, data=params, headers={"X-Twilio-Signature": signature}, timeout=10)

    def answer(self, sid: str) -> str:
        """The person called picks up: the call's TwiML (its Url fetched, signed, as Twilio does)."""
        call = self.find_call(sid)
        if call is None:
            raise KeyError(sid)
        with self.lock:
            call.status = "in-progress"
        twiml = call.twiml or ""
        if call.url:
            twiml = self._post_signed(call.url, self._call_params(call, "in-progress")).text
        with self.lock:
            call.answered.append(twiml)
        return twiml

    def end(self, sid: str, status: str = "completed", duration: int = 60) -> int | None:
        """The call ends with `status` (`completed` after an answer; `no-answer`, `busy`, `failed`): its
        status callback is posted, signed; returns the hotline's HTTP status (None without a callback)."""
        call = self.find_call(sid)
        if call is None:
            raise KeyError(sid)
        with self.lock:
            call.status = status
        if not call.status_callback:
            return None
        params = self._call_params(call, status)
        params["CallDuration"] = str(duration if status == "completed" else 0)
        return self._post_signed(call.status_callback, params).status_code

    # -- queues -------------------------------------------------------------------------------------
    def enter(self, queue_name: str, call_sid: str) -> dict[str, int]:
        """Put `call_sid` in the queue (or find it there): its place, the queue's size, the average wait."""
        with self.lock:
            members = self._queues.setdefault(queue_name, [])
            if call_sid not in [sid for sid, _ in members]:
                members.append((call_sid, time.monotonic()))
            position = [sid for sid, _ in members].index(call_sid) + 1
            waits = self._queue_waits.get(queue_name) or []
            entered = dict(members)[call_sid]
            return {"QueuePosition": position, "CurrentQueueSize": len(members),
                    "QueueTime": int(time.monotonic() - entered),
                    "AvgQueueTime": int(sum(waits) / len(waits)) if waits else 0}

    def leave(self, call_sid: str) -> bool:
        with self.lock:
            for name, members in self._queues.items():
                for sid, entered in members:
                    if sid == call_sid:
                        members.remove((sid, entered))
                        self._queue_waits.setdefault(name, []).append(time.monotonic() - entered)
                        return True
        return False

    # -- status callbacks ---------------------------------------------------------------------------
    def _post_callbacks(self) -> None:
        session = requests.Session()
        while True:
            item = self._callback_queue.get()
            if item is None:
                return
            due, message, outcomes = item
            pause = due - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            for outcome in outcomes:
                status, _, code = outcome.partition(":")
                params = {
                    "AccountSid": message.account_sid,
                    "From": message.from_,
                    "To": message.to,
                    "MessageSid": message.sid,
                    "SmsSid": message.sid,
                    "MessageStatus": status,
                    "SmsStatus": status,
                    "ApiVersion": "2010-04-01",
                }
                if code:
                    params["ErrorCode"] = code
                with self.lock:
                    message.status = status
                    message.error_code = int(code) if code else None
                signature = self._validator.compute_signature(message.status_callback, params)
                try:
                    session.post(
                        message.status_callback, data=params, headers={"X-Twilio-Signature": signature}, timeout=10
                    )
                except requests.RequestException:
                    continue  # Twilio does not retry status callbacks either
                with self.lock:
                    self.callbacks_posted += 1


def _error(status: int, code: int, message: str) -> dict:
    return {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status}


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        if len(value) == 10:
            return datetime.fromisoformat(value).replace(tzinfo=UTC)
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    loopback: Loopback


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the client reuses one connection per process
    server: _Server

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        return  # one line per request would cost more than the request

    # -- plumbing -----------------------------------------------------------------------------------
    def setup(self):
        super().setup()
        # Headers and body leave in one write and without Nagle's delay: otherwise every answer waits
        # for the client's delayed ACK (40 ms) and the loopback manages 25 messages a second.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _send_json(self, status: int, payload) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode()
        head = (
            f"HTTP/1.1 {status} {self.responses.get(status, ('',))[0]}\r\n"
            "Content-Type: application/json; charset=utf-8\r\n"
            f"Content-Length: {len(data)}\r\n\r\n"
        ).encode()
        self.wfile.write(head + data)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _account(self, path: str) -> tuple[str, str] | None:
        """(account sid, rest of the path) for /2010-04-01/Accounts/{sid}/..., else None."""
        if not path.startswith(API_PREFIX):
            return None
        account, _, rest = path[len(API_PREFIX):].partition("/")
        return account, rest

    def _check_auth(self, account: str) -> bool:
        loopback = self.server.loopback
        if not loopback.authorised(self.headers.get("Authorization")) or account != loopback.account_sid:
            self._send_json(401, _error(401, 20003, "Authenticate"))
            return False
        return True

    # -- routes -------------------------------------------------------------------------------------
    def do_POST(self):  # noqa: N802 - the stdlib's name
        loopback = self.server.loopback
        parts = urlsplit(self.path)
        body = self._body()
        if parts.path.startswith("/_loopback/"):
            return self._control(parts.path, body)
        found = self._account(parts.path)
        if found is None or found[1] not in ("Messages.json", "Calls.json"):
            return self._send_json(404, _error(404, 20404, "The requested resource was not found"))
        account, resource = found
        with loopback.lock:
            loopback.requests_seen += 1
        if not self._check_auth(account):
            return None
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8"), keep_blank_values=True).items()}
        if resource == "Calls.json":
            return self._send_json(*loopback.create_call(account, form))
        latency = loopback.script.latency
        if latency:
            time.sleep(latency)
        status, payload, hold = loopback.create(account, form)
        if hold:
            loopback.wait_held()
        return self._send_json(status, payload)

    def do_GET(self):  # noqa: N802
        loopback = self.server.loopback
        parts = urlsplit(self.path)
        if parts.path == "/_loopback/messages":
            return self._send_json(200, [m.resource() for m in loopback.messages()])
        if parts.path == "/_loopback/calls":
            return self._send_json(200, [{**c.resource(), "answered": c.answered} for c in loopback.calls()])
        if parts.path == "/_loopback/stats":
            return self._send_json(200, {"created": len(loopback.messages()), "requests": loopback.requests_seen,
                                         "callbacks": loopback.callbacks_posted})
        found = self._account(parts.path)
        if found is None:
            return self._send_json(404, _error(404, 20404, "The requested resource was not found"))
        account, rest = found
        if not self._check_auth(account):
            return None
        if rest == "Messages.json":
            return self._list(account, parts)
        if rest.startswith("Messages/") and rest.endswith(".json"):
            message = loopback.find(rest[len("Messages/"):-len(".json")])
            if message is None:
                return self._send_json(404, _error(404, 20404, "The requested resource was not found"))
            return self._send_json(200, message.resource())
        if rest.startswith("Calls/") and rest.endswith(".json"):
            call = loopback.find_call(rest[len("Calls/"):-len(".json")])
            if call is None:
                return self._send_json(404, _error(404, 20404, "The requested resource was not found"))
            return self._send_json(200, call.resource())
        return self._send_json(404, _error(404, 20404, "The requested resource was not found"))

    def _list(self, account: str, parts) -> None:
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        try:
            page_size = max(1, min(int(query.get("PageSize", 50)), 1000))
            page = max(0, int(query.get("Page", 0)))
        except ValueError:
            return self._send_json(400, _error(400, 20001, "Invalid paging parameter"))
        found = self.server.loopback.list_messages(query)
        chunk = found[page * page_size:(page + 1) * page_size]
        uri = f"{API_PREFIX}{account}/Messages.json"
        next_uri = None
        if (page + 1) * page_size < len(found):
            kept = {k: v for k, v in query.items() if k not in ("Page", "PageSize")}
            next_uri = f"{uri}?" + urlencode({**kept, "PageSize": page_size, "Page": page + 1})
        return self._send_json(200, {
            "messages": [m.resource() for m in chunk],
            "first_page_uri": f"{uri}?PageSize={page_size}&Page=0",
            "next_page_uri": next_uri,
            "previous_page_uri": None,
            "page": page,
            "page_size": page_size,
            "start": page * page_size,
            "end": page * page_size + len(chunk) - 1,
            "uri": uri,
        })

    def _control(self, path: str, body: bytes) -> None:
        loopback = self.server.loopback
        try:
            args = json.loads(body or b"{}")
        except ValueError:
            return self._send_json(400, {"error": "body is not JSON"})
        try:
            match path:
                case "/_loopback/reset":
                    loopback.reset()
                case "/_loopback/release":
                    loopback.release()
                case "/_loopback/fail-next":
                    loopback.fail_next(int(args["count"]), int(args.get("status", 429)), args.get("code"))
                case "/_loopback/fail-for":
                    loopback.fail_for(args["to"], int(args["code"]), int(args.get("status", 400)))
                case "/_loopback/hold":
                    loopback.hold(*[int(n) for n in args["numbers"]], seconds=float(args.get("seconds", 120)))
                case "/_loopback/latency":
                    loopback.set_latency(float(args["seconds"]))
                case "/_loopback/outcomes":
                    loopback.set_outcomes(list(args["statuses"]), args.get("to"))
                case "/_loopback/queues/enter":
                    return self._send_json(200, loopback.enter(str(args["queue"]), str(args["call_sid"])))
                case "/_loopback/queues/leave":
                    return self._send_json(200, {"left": loopback.leave(str(args["call_sid"]))})
                case "/_loopback/calls/answer":
                    return self._send_json(200, {"twiml": loopback.answer(str(args["sid"]))})
                case "/_loopback/calls/end":
                    answered = loopback.end(str(args["sid"]), str(args.get("status", "completed")))
                    return self._send_json(200, {"ok": True, "hotline_status": answered})
                case _:
                    return self._send_json(404, {"error": "no such control"})
        except (KeyError, TypeError, ValueError) as error:
            return self._send_json(400, {"error": f"bad arguments: {error}"})
        return self._send_json(200, {"ok": True})


_counter = itertools.count(1)


def print_message(message: Message) -> None:
    """The demo's view of a sent text: who it went to and what it said."""
    print(f"── SMS #{next(_counter)} to {message.to} ({message.sid}) ──\n{message.body}\n", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A Twilio-compatible Messages and Calls API on loopback.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8089)
    parser.add_argument("--account-sid", default=DEV_TWILIO_ACCOUNT_SID)
    parser.add_argument("--auth-token", default=DEV_TWILIO_AUTH_TOKEN)
    parser.add_argument("--no-callbacks", action="store_true", help="do not post status callbacks")
    parser.add_argument("--print", action="store_true", help="print every message created")
    args = parser.parse_args(argv)
    loopback = Loopback(args.host, args.port, account_sid=args.account_sid, auth_token=args.auth_token,
                        callbacks=not args.no_callbacks, echo=print_message if args.print else None)
    print(f"loopback Twilio listening on {loopback.url}", file=sys.stderr, flush=True)
    try:
        loopback.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
