"""Hostile input on every door of the web app: no answer of 500, no traceback in the log.

The routes come from the app's URL map, so a route added later is fuzzed without anyone adding it here.
Twilio's routes get requests signed exactly as Twilio signs them (the real RequestValidator), so the
hostile values reach the code behind the signature check; the API gets its bearer token. Values are what
no telephone or upstream should send and some one day will: lookalike digits (`²`, `３`, `٣`), control
characters, empty and 20,000-character strings, `From`/`To` that are no E.164 number, random CallSids
(and a few reused ones, so calls get past the greeting), random keys and speech, random records.

Seeded (derandomize) so a run is repeatable; through the Flask test client for volume, on both databases.
"""

from __future__ import annotations

import json
import operator
from collections import Counter
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from hotline.ingest.schema import FIELDS
from hotline.web.auth import AUTH_ATTRIBUTE
from tests import factories as f
from tests.twilio_signing import signature

# Examples of BATCH requests each: 2,600 requests on each database, 5,200 in a run of the suite; on an
# idle machine about 20 s of CPU per database.
EXAMPLES, BATCH = 650, 4
MINIMUM_REQUESTS = 2_500

LOOKALIKES = "²³¹①３٣߂𝟘"
# Characters of every kind but lone surrogates, which no HTTP body can carry as UTF-8.
ANY_CHARACTER = st.characters(exclude_categories=("Cs",))
CONTROL = st.characters(categories=("Cc", "Cf", "Zl", "Zp"))


def hostile_text() -> st.SearchStrategy[str]:
    short = st.one_of(
        st.just(""),
        st.text(ANY_CHARACTER, max_size=30),
        st.text(st.sampled_from("0123456789*#+- " + LOOKALIKES), max_size=25),
        st.text(CONTROL, min_size=1, max_size=8),
    )
    # Huge values now and then only, and the longest ASCII: percent-decoding a form, in pure Python, is the
    # slow part of a request. (A 400 KB From has its own test, test_garbage_senders.)
    huge = st.one_of(
        st.builds(operator.mul, st.sampled_from(["9", "a", "+86"]), st.sampled_from([1_000, 5_000, 20_000])),
        st.builds(operator.mul, st.sampled_from(["１", "²", "中", "\x00"]), st.sampled_from([300, 2_000])),
    )
    return st.one_of(short, short, short, short, huge)


def numeric() -> st.SearchStrategy[str]:
    """A step number, cursor or attempt id: mostly small, some lookalike, some anything."""
    return st.one_of(st.integers(-3, 12).map(str), st.integers(0, 10**25).map(str), hostile_text())


def phone_numbers(known: list[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(known + ["+8613800138000", "+8612123", "+12025550123", "+8659212123"]),
        hostile_text(),
        st.text(st.characters(codec="ascii"), max_size=10).map("client:".__add__),
        st.text("0123456789", min_size=1, max_size=30).map("+".__add__),
        st.sampled_from(["anonymous", "+266696687", "sip:alice@example.com", "+８６１３８００１３８０００"]),
    )


# A few CallSids reused across the run, so that some calls get past the greeting into the menus.
CALL_POOL = ["CA" + f"{n:x}" * 32 for n in range(1, 5)]
HEX = "0123456789abcdef"


def call_sids() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(CALL_POOL), st.text(HEX, min_size=32, max_size=32).map("CA".__add__),
                     hostile_text())


def message_sids() -> st.SearchStrategy[str]:
    return st.one_of(st.text(HEX, min_size=32, max_size=32).map("SM".__add__), hostile_text())


def twilio_form(known: list[str]) -> st.SearchStrategy[dict[str, str]]:
    word = st.one_of(st.sampled_from(["WZ", "JSZ", "TD", "STOP", "START", "Y", "确认", "GG", "EN", "中文", "1",
                                      "JY 1", "KS", "第2辆", "第²辆", "completed", "delivered", "failed"]),
                     hostile_text())
    fields = st.fixed_dictionaries(
        {},
        optional={
            "From": phone_numbers(known), "To": phone_numbers(known), "CallSid": call_sids(),
            "MessageSid": message_sids(), "SmsSid": message_sids(), "AccountSid": hostile_text(),
            "Digits": st.one_of(st.text("0123456789*#", max_size=20), hostile_text()),
            "SpeechResult": st.one_of(word, hostile_text()), "Body": word, "OptOutType": word,
            "CallStatus": word, "DialCallStatus": word, "MessageStatus": word, "SmsStatus": word,
            "ErrorCode": numeric(),
        },
    )
    extra = st.dictionaries(st.text(ANY_CHARACTER, min_size=1, max_size=8), hostile_text(), max_size=2)
    return st.builds(lambda a, b: {**b, **a}, fields, extra)


def query() -> st.SearchStrategy[str]:
    """A query string: the arguments the routes read, hostile values, and now and then raw bytes no
    client encodes (a proxy may still pass them on)."""
    encoded = st.fixed_dictionaries(
        {}, optional={"n": numeric(), "attempt": numeric(), "after": numeric(), "limit": numeric()}
    ).map(lambda args: urlencode(args))
    raw = st.binary(max_size=12).map(lambda b: "n=" + b.decode("latin-1"))
    return st.one_of(encoded, encoded, encoded, raw)


JSON_SCALAR = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70),
                        st.floats(allow_nan=True, allow_infinity=True), hostile_text())


def json_value() -> st.SearchStrategy:
    return st.recursive(JSON_SCALAR, lambda inner: st.lists(inner, max_size=3) |
                        st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=6)


def _mutated(make, field: str, value):
    record = make()
    record[field] = value
    return record


def records() -> st.SearchStrategy[dict]:
    """Records of every type with hostile fields, and valid ones with one field made hostile."""
    def of_type(kind: str) -> st.SearchStrategy[dict]:
        fields = {name: json_value() for name in FIELDS[kind]}
        return st.fixed_dictionaries({"type": st.just(kind)}, optional=fields)

    random_fields = st.sampled_from(sorted(FIELDS)).flatmap(of_type)
    valid_people = [f.person, f.organisation]
    mutated = st.builds(
        _mutated, st.sampled_from(valid_people), st.sampled_from(["phone", "name", "id_number", "pin", "language"]),
        json_value(),
    )
    return st.one_of(random_fields, mutated, st.builds(f.person), json_value())


def events_body() -> st.SearchStrategy[bytes]:
    as_json = st.lists(records(), max_size=4).map(lambda rs: json.dumps(rs, ensure_ascii=False))
    return st.one_of(as_json.map(str.encode), json_value().map(lambda v: json.dumps(v).encode()),
                     st.binary(max_size=64), hostile_text().map(lambda s: s.encode("utf-8")))


def routes(app) -> list[tuple[str, str, str]]:
    """(path, method, auth marker) for every route of the app but the static files."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        marker = getattr(app.view_functions[rule.endpoint], AUTH_ATTRIBUTE)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule.rule, method, marker))
    return found


def test_thousands_of_hostile_signed_requests_on_every_route_get_no_500_and_no_traceback(
        app, client, settings, world, hotline_logs):
    known = [world.full().phone, world.by_code().phone, world.family().phone]
    every_route = routes(app)
    assert {path for path, _, marker in every_route if marker == "twilio"} >= {
        "/voice/incoming", "/voice/step", "/voice/dial", "/voice/status", "/sms/incoming", "/sms/status"}
    tokens = {"bearer:api_token": settings.api_token, "bearer:metrics_token": settings.metrics_token}
    statuses: Counter[int] = Counter()
    per_route: Counter[str] = Counter()

    def send(route, form: dict[str, str], query_string: str, body: bytes):
        path, method, marker = route
        target = path + (f"?{query_string}" if query_string else "")
        environ = {"QUERY_STRING": query_string}
        if marker == "twilio":
            headers = {"X-Twilio-Signature": signature(settings, target, form)}
            return client.post(path, data=form, headers=headers, environ_overrides=environ)
        headers = {"Authorization": f"Bearer {tokens[marker]}"} if marker in tokens else {}
        if method == "POST":
            return client.post(path, data=body, headers={**headers, "Content-Type": "application/json"},
                               environ_overrides=environ)
        return client.open(path, method=method, headers=headers, environ_overrides=environ)

    # Only what a route reads: a signed form, a body, and a query for all of them. Built once: a strategy
    # made per draw (flatmap) is validated per draw, which cost more than the requests.
    form, body, args = twilio_form(known), events_body(), query()
    request = st.one_of([
        st.tuples(st.just(route), form if route[2] == "twilio" else st.just({}), args,
                  body if route[1] == "POST" and route[2] != "twilio" else st.just(b""))
        for route in every_route
    ])

    @hypothesis_settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                         phases=[Phase.explicit, Phase.generate, Phase.shrink],
                         suppress_health_check=list(HealthCheck))
    @given(st.lists(request, min_size=BATCH, max_size=BATCH))
    def batch(requests):
        for route, form, query_string, body in requests:
            response = send(route, form, query_string, body)
            statuses[response.status_code] += 1
            per_route[route[0]] += 1
            assert response.status_code < 500, (route, response.status_code, response.get_data(as_text=True)[:300])
        problems = hotline_logs.tracebacks()
        hotline_logs.records.clear()
        assert not problems, [(r.name, r.getMessage(), r.exc_text or r.exc_info) for r in problems[:3]]

    batch()
    sent = sum(statuses.values())
    print(f"fuzz: {sent} requests, answers {dict(sorted(statuses.items()))}, by route {dict(per_route)}")
    assert sent >= MINIMUM_REQUESTS
    assert set(per_route) == {path for path, _, _ in every_route}  # every route was reached
    assert not [status for status in statuses if status >= 500]


# --- what the fuzz found, each on its own -----------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/changes", "/voice/step", "/sms/incoming", "/sms/status"])
def test_a_query_of_raw_bytes_that_are_not_utf8_is_a_400_not_a_500(client, settings, path, hotline_logs):
    # A client or proxy that does not percent-encode: Werkzeug raised wherever the query was read.
    environ = {"QUERY_STRING": "n=\xff&after=\xc3"}
    if path.startswith("/api/"):
        response = client.get(path, headers={"Authorization": f"Bearer {settings.api_token}"},
                              environ_overrides=environ)
    else:
        form = {"CallSid": CALL_POOL[0], "From": "+8613800138000", "MessageSid": "SM" + "a" * 32,
                "MessageStatus": "delivered"}
        response = client.post(path, data=form, headers={"X-Twilio-Signature": signature(settings, path, form)},
                               environ_overrides=environ)
    assert response.status_code == 400 and "not UTF-8" in response.get_data(as_text=True)
    assert not hotline_logs.tracebacks()


def test_a_voice_form_too_large_to_read_is_refused_with_413_not_an_apology_and_a_traceback(
        client, settings, hotline_logs):
    form = {"CallSid": CALL_POOL[0], "From": "+8613800138000", "SpeechResult": "9" * 600_000}
    response = client.post("/voice/step?n=1", data=form,
                           headers={"X-Twilio-Signature": signature(settings, "/voice/step?n=1", form)})
    assert response.status_code == 413
    assert not hotline_logs.tracebacks()
