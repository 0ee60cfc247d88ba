"""Requests signed exactly as Twilio signs them, for tests that talk to the webhooks through the test client."""

from __future__ import annotations

from twilio.request_validator import RequestValidator


def signature(settings, path: str, params: dict[str, str]) -> str:
    """X-Twilio-Signature for a POST of `params` to `path` (with its query) under settings.public_url."""
    url = settings.public_url.rstrip("/") + path
    return RequestValidator(settings.twilio_auth_token).compute_signature(url, params)


def signed_post(client, settings, path: str, params: dict[str, str]):
    """POST form `params` to `path` with a valid Twilio signature; returns the test client's response."""
    return client.post(path, data=params, headers={"X-Twilio-Signature": signature(settings, path, params)})
