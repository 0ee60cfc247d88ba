"""The loopback Twilio itself: auth, the list API, the control API, and signed status callbacks."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs

import requests
from twilio.request_validator import RequestValidator

from hotline.config import DEV_TWILIO_ACCOUNT_SID, DEV_TWILIO_AUTH_TOKEN
from hotline.sandbox.loopback_twilio import Loopback

AUTH = (DEV_TWILIO_ACCOUNT_SID, DEV_TWILIO_AUTH_TOKEN)
MESSAGES = f"/2010-04-01/Accounts/{DEV_TWILIO_ACCOUNT_SID}/Messages.json"


def create(loopback, to="+8613800138000", body="hi", **extra):
    form = {"To": to, "From": "+12025550123", "Body": body, **extra}
    return requests.post(loopback.url + MESSAGES, data=form, auth=AUTH, timeout=5)


def test_creates_need_the_account_credentials(loopback):
    response = requests.post(loopback.url + MESSAGES, data={"To": "+8613800138000", "Body": "x"},
                             auth=(DEV_TWILIO_ACCOUNT_SID, "wrong"), timeout=5)
    assert (response.status_code, response.json()["code"]) == (401, 20003)
    assert loopback.messages() == []


def test_a_create_answers_like_twilio(loopback):
    response = create(loopback)
    assert response.status_code == 201
    payload = response.json()
    assert payload["sid"].startswith("SM") and len(payload["sid"]) == 34
    assert (payload["status"], payload["to"], payload["body"]) == ("queued", "+8613800138000", "hi")


def test_missing_fields_get_twilio_error_codes(loopback):
    response = requests.post(loopback.url + MESSAGES, data={"Body": "x", "From": "+1"}, auth=AUTH, timeout=5)
    assert (response.status_code, response.json()["code"]) == (400, 21604)


def test_the_control_api_scripts_faults_for_a_loopback_in_another_process(loopback):
    requests.post(loopback.url + "/_loopback/fail-next", json={"count": 2, "status": 500}, timeout=5)
    assert [create(loopback).status_code for _ in range(3)] == [500, 500, 201]
    requests.post(loopback.url + "/_loopback/fail-for", json={"to": "+8613900139000", "code": 21614}, timeout=5)
    assert create(loopback, to="+8613900139000").json()["code"] == 21614
    listed = requests.get(loopback.url + "/_loopback/messages", timeout=5).json()
    assert len(listed) == 1
    assert requests.post(loopback.url + "/_loopback/nonsense", json={}, timeout=5).status_code == 404
    assert requests.post(loopback.url + "/_loopback/fail-next", json={}, timeout=5).status_code == 400


class _Collector(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        self.received.append((self.path, self.headers.get("X-Twilio-Signature"), parse_qs(body)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_status_callbacks_are_posted_back_signed_in_the_scripted_order():
    collector = HTTPServer(("127.0.0.1", 0), _Collector)
    threading.Thread(target=collector.serve_forever, daemon=True).start()
    _Collector.received = []
    loopback = Loopback().start()
    try:
        loopback.set_outcomes(["delivered", "sent"])
        loopback.set_outcomes(["undelivered:30003"], to="+8613900139000")
        callback = f"http://127.0.0.1:{collector.server_address[1]}/sms/status?attempt=7"
        create(loopback, StatusCallback=callback)
        create(loopback, to="+8613900139000", StatusCallback=callback)
        deadline = time.monotonic() + 10
        while len(_Collector.received) < 3:
            assert time.monotonic() < deadline, "callbacks did not arrive"
            time.sleep(0.02)
    finally:
        loopback.stop()
        collector.shutdown()
    by_number = {}
    for path, signature, form in _Collector.received:
        params = {k: v[0] for k, v in form.items()}
        assert path == "/sms/status?attempt=7"
        assert RequestValidator(DEV_TWILIO_AUTH_TOKEN).validate(callback, params, signature)
        by_number.setdefault(params["To"], []).append((params["MessageStatus"], params.get("ErrorCode")))
    assert by_number == {"+8613800138000": [("delivered", None), ("sent", None)],
                         "+8613900139000": [("undelivered", "30003")]}


def test_it_runs_as_a_module_and_prints_what_it_sends():
    from tests.conftest import free_port

    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "hotline.sandbox.loopback_twilio", "--port", str(port), "--print"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                response = requests.post(f"http://127.0.0.1:{port}{MESSAGES}", auth=AUTH, timeout=2,
                                         data={"To": "+8613800138000", "From": "+1", "Body": "【交管12123】您好"})
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "the loopback did not start"
                time.sleep(0.1)
        assert response.status_code == 201
    finally:
        process.terminate()
        out, _ = process.communicate(timeout=10)
    assert "【交管12123】您好" in out and "+8613800138000" in out
