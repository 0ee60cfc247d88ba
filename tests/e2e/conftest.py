"""Fixtures shared by the voice conversation tests."""

from __future__ import annotations

import pytest

from hotline.cli.phone import FlaskTransport, PhoneCall
from tests.e2e.voice_world import World


@pytest.fixture
def world(app):
    return World(app.extensions["hotline"])


@pytest.fixture
def dial(app, settings):
    """Start a call from `phone` as `flask phone call` would, through signed webhooks; the call, greeted."""

    def start(phone: str) -> PhoneCall:
        call = PhoneCall(FlaskTransport(app.test_client(), settings.public_url, settings.twilio_auth_token), phone)
        call.start()
        return call

    return start
