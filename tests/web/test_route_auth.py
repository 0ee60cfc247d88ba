"""Every route carries exactly one of the auth markers, and the Twilio and API routes refuse strangers.

Walks `app.url_map`, so a route added tomorrow without a marker fails here (ARCHITECTURE.md rule 4).
"""

from __future__ import annotations

import pytest
from twilio.request_validator import RequestValidator

from hotline.web.auth import AUTH_ATTRIBUTE
from tests.twilio_signing import signed_post

ALLOWED = {"twilio", "bearer:api_token", "bearer:metrics_token", "public", "staff", "staff:supervisor",
           "staff:sign-in"}
PUBLIC_ONLY = {"/healthz"}
SIGN_IN_ONLY = {"/desk/login"}
FORM = {"CallSid": "CA" + "1" * 32, "From": "+8613800138000", "To": "+8612123", "AccountSid": "AC" + "0" * 32,
        "Digits": "1", "Body": "CX", "MessageSid": "SM" + "1" * 32, "CallStatus": "completed"}


def routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        yield rule, app.view_functions[rule.endpoint]


def test_every_route_has_exactly_one_known_auth_marker(app):
    found = {}
    for rule, view in routes(app):
        marker = getattr(view, AUTH_ATTRIBUTE, None)
        assert marker in ALLOWED, f"{rule.rule} has no auth marker (one of {sorted(ALLOWED)})"
        found[rule.rule] = marker
    public = {path for path, marker in found.items() if marker == "public"}
    assert public <= PUBLIC_ONLY, f"only {PUBLIC_ONLY} may be public, not {public - PUBLIC_ONLY}"
    voice = {path for path in found if path.startswith("/voice/")}
    assert {"/voice/incoming", "/voice/step", "/voice/dial", "/voice/status", "/voice/queue/wait", "/voice/queue/key",
            "/voice/queue/agent", "/voice/queue/connected", "/voice/queue/agent-status", "/voice/callbacks/connect",
            "/voice/callbacks/dialled",
            "/voice/callbacks/status"} <= voice
    assert all(found[path] == "twilio" for path in found if path.startswith(("/voice/", "/sms/")))
    assert all(found[path] == "bearer:api_token" for path in found if path.startswith("/api/"))
    desk = {path for path in found if path == "/desk" or path.startswith("/desk/")}
    assert {"/desk", "/desk/login", "/desk/logout", "/desk/supervisor", "/desk/audit"} <= desk
    assert {path for path, marker in found.items() if marker == "staff:sign-in"} == SIGN_IN_ONLY
    assert all(found[path].startswith("staff") for path in desk), "a /desk route without a signed-in staff member"
    assert all(not found[path].startswith("staff") for path in set(found) - desk)


def _twilio_routes(app, prefix):
    return [rule for rule, _ in routes(app) if rule.rule.startswith(prefix) and "POST" in rule.methods]


@pytest.mark.parametrize("prefix", ["/voice/", "/sms/"])
def test_twilio_routes_refuse_unsigned_and_wrongly_signed_requests(app, client, settings, prefix):
    rules = _twilio_routes(app, prefix)
    assert rules, f"no {prefix} routes"
    wrong_token = RequestValidator("not-our-token")
    for rule in rules:
        path = rule.rule
        assert client.post(path, data=FORM).status_code == 403, f"{path} unsigned"
        forged = wrong_token.compute_signature(settings.public_url + path, FORM)
        response = client.post(path, data=FORM, headers={"X-Twilio-Signature": forged})
        assert response.status_code == 403, f"{path} signed with another token"
        # Signed for another URL (what a proxy in front of us would see if we trusted request.url).
        other = RequestValidator(settings.twilio_auth_token).compute_signature("http://internal:5000" + path, FORM)
        response = client.post(path, data=FORM, headers={"X-Twilio-Signature": other})
        assert response.status_code == 403, f"{path} signed for another URL"
        tampered = dict(FORM, Digits="9")
        good_for_form = RequestValidator(settings.twilio_auth_token).compute_signature(settings.public_url + path,
                                                                                       FORM)
        response = client.post(path, data=tampered, headers={"X-Twilio-Signature": good_for_form})
        assert response.status_code == 403, f"{path} with a changed parameter"


def test_a_correct_signature_passes_on_every_voice_route(app, client, settings):
    for rule in _twilio_routes(app, "/voice/"):
        response = signed_post(client, settings, rule.rule, FORM)
        assert response.status_code in (200, 204), rule.rule


def test_api_routes_want_the_bearer_token(app, client):
    rules = [rule for rule, _ in routes(app) if rule.rule.startswith("/api/")]
    assert rules
    for rule in rules:
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(rule.rule, method=method, json={})
            assert response.status_code == 401, f"{method} {rule.rule} without a token"
            response = client.open(rule.rule, method=method, json={}, headers={"Authorization": "Bearer wrong"})
            assert response.status_code == 401, f"{method} {rule.rule} with a wrong token"


def test_desk_routes_want_a_signed_in_staff_member(app, client):
    """A stranger gets the sign-in form for a page, 401 for what a page polls, and no POST goes through
    (without the form's token it is refused before the route; with a token but signed out, 401)."""
    from tests.desk.desk_client import csrf_token

    rules = [rule for rule, _ in routes(app) if rule.rule == "/desk" or rule.rule.startswith("/desk/")]
    token = csrf_token(client.get("/desk/login").get_data(as_text=True))
    for rule in rules:
        if rule.rule in SIGN_IN_ONLY:
            continue
        path = app.url_map.bind("hotline.test").build(rule.endpoint, dict.fromkeys(rule.arguments, 1))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(path, method=method)
            if method == "GET" and not path.endswith(".json"):
                assert response.status_code == 302, f"GET {path}"
                assert response.headers["Location"].startswith("/desk/login"), f"GET {path}"
            else:
                assert response.status_code in (400, 401), f"{method} {path} without a session"
            if method == "POST":
                signed_out = client.post(path, data={"csrf_token": token})
                assert signed_out.status_code == 401, f"POST {path} with a token but no session"
