"""The Twilio gateway: the real twilio client over HTTP to the loopback Twilio, every answer classified."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest

from hotline.config import Settings
from hotline.domain.notices import SendOutcome
from hotline.gateway import make_gateway
from hotline.gateway.console import ConsoleGateway
from hotline.gateway.twilio import TwilioGateway

TO = "+8613800138000"


@pytest.fixture
def gateway(loopback):
    return TwilioGateway(Settings(twilio_api_url=loopback.url, twilio_timeout_seconds=1.0))


def test_a_message_is_created_at_the_configured_api(gateway, loopback):
    result = gateway.send(TO, "【交管12123】你好", status_callback="https://hotline.test/sms/status?attempt=1")
    assert (result.outcome, result.status) == (SendOutcome.ACCEPTED, "queued")
    (message,) = loopback.messages()
    assert (message.sid, message.to, message.body, message.from_) == (result.sid, TO, "【交管12123】你好",
                                                                    "+12025550123")
    assert message.status_callback == "https://hotline.test/sms/status?attempt=1"


@pytest.mark.parametrize(
    ("status", "code", "outcome"),
    [
        (429, 20429, SendOutcome.THROTTLED),
        (500, 20500, SendOutcome.UNKNOWN),
        (503, 20503, SendOutcome.UNKNOWN),
        (400, 21211, SendOutcome.REJECTED),
        (400, 21614, SendOutcome.REJECTED),
        (400, 21610, SendOutcome.OPTED_OUT),
        (400, 21606, SendOutcome.PROVIDER_FAULT),
        (400, 21659, SendOutcome.PROVIDER_FAULT),
    ],
)
def test_provider_answers_are_classified(gateway, loopback, status, code, outcome):
    loopback.fail_next(1, status, code)
    result = gateway.send(TO, "text")
    assert (result.outcome, result.code) == (outcome, code)
    assert str(code) in result.reason
    assert loopback.messages() == []


def test_bad_credentials_are_a_provider_fault(loopback):
    gateway = TwilioGateway(Settings(twilio_api_url=loopback.url, twilio_auth_token="wrong"))
    result = gateway.send(TO, "text")
    assert (result.outcome, result.code) == (SendOutcome.PROVIDER_FAULT, 20003)


def test_a_timeout_is_unknown_not_failed(gateway, loopback):
    loopback.hold(1, seconds=5)
    result = gateway.send(TO, "text")
    loopback.release()
    assert result.outcome == SendOutcome.UNKNOWN
    assert len(loopback.messages()) == 1  # the provider did create it: only reconciliation can tell


def test_nothing_listening_is_unknown(loopback):
    gateway = TwilioGateway(Settings(twilio_api_url="http://127.0.0.1:9", twilio_timeout_seconds=1.0))
    assert gateway.send(TO, "text").outcome == SendOutcome.UNKNOWN


def test_find_matches_recipient_and_body_across_pages(gateway, loopback):
    since = datetime.now(UTC) - timedelta(seconds=5)
    first = gateway.send(TO, "the one we look for")
    for n in range(120):
        gateway.send(TO, f"other {n}")
    gateway.send("+8613900139000", "the one we look for")

    found = gateway.find(TO, "the one we look for", since)
    assert (found.sid, found.status) == (first.sid, "queued")
    assert gateway.find(TO, "never sent", since) is None
    assert gateway.find(TO, "the one we look for", datetime.now(UTC) + timedelta(minutes=5)) is None


def test_status_reads_a_message_back(gateway, loopback):
    sent = gateway.send(TO, "text")
    assert gateway.status(sent.sid) == "queued"
    assert gateway.status("SM" + "0" * 32) is None


def test_one_connection_is_kept_alive_for_many_messages(gateway, loopback):
    for n in range(20):
        gateway.send(TO, f"text {n}")
    (pool,) = [p for p in gateway.http.session.adapters["http://"].poolmanager.pools._container.values()]
    assert pool.num_connections == 1


def test_the_console_gateway_prints_instead_of_sending():
    out = io.StringIO()
    gateway = make_gateway(Settings(sms_gateway="console"))
    assert isinstance(gateway, ConsoleGateway)
    gateway.stream = out
    result = gateway.send(TO, "【交管12123】你好")
    assert result.outcome == SendOutcome.ACCEPTED
    assert "【交管12123】你好" in out.getvalue() and TO in out.getvalue()
    assert gateway.find(TO, "【交管12123】你好", datetime.now(UTC)).sid == result.sid
