"""Numbers from outside are ASCII digits or nothing: `"²".isdigit()` is true and `int("²")` raises.

Signed query arguments (`/sms/status?attempt=`, `/api/changes?after=`, `/voice/step?n=`), keys typed on a
phone and digits heard in speech all go through one reader (hotline/digits.py). Each test here drives the
real app with valid signatures and checks what the caller or the client gets: a clear answer, never a 500
and never the apology that ends a call.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, seed
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from hotline.cli.phone import PhoneCall
from hotline.db import VerificationAttempt
from hotline.digits import ascii_digits, whole_number
from tests.e2e.voice_world import PIN
from tests.twilio_signing import signed_post

API = {"Authorization": "Bearer dev-api-token"}
# Characters that `str.isdigit` accepts but that are not 0-9: superscripts, circled, full-width, Arabic-Indic.
LOOKALIKES = ["²", "³", "¹", "①", "３", "٣", "߂", "𝟘"]


def at_vehicle_choice(dial, caller) -> PhoneCall:
    call = dial(caller.phone)
    call.press("1")
    call.press(PIN)
    turn = call.press("3")
    assert "请选择车辆" in turn.text
    return call


@pytest.mark.parametrize("value", LOOKALIKES)
def test_a_lookalike_digit_as_the_attempt_of_a_receipt_is_acknowledged_not_a_500(client, settings, value):
    path = f"/sms/status?attempt={value}"
    response = signed_post(client, settings, path, {"MessageSid": "SM" + "a" * 32, "MessageStatus": "delivered"})
    assert response.status_code == 200


@pytest.mark.parametrize("value", [*LOOKALIKES, "-1", "1e3", " 7", "9" * 19])
def test_a_lookalike_digit_as_the_changes_cursor_gets_a_400_that_says_why(client, value):
    response = client.get("/api/changes", query_string={"after": value}, headers=API)
    assert response.status_code == 400
    assert "after must be a cursor" in response.get_json()["error"]
    response = client.get("/api/changes", query_string={"limit": value}, headers=API)
    assert response.status_code == 400 and "limit must be" in response.get_json()["error"]


def test_plain_digits_still_page_the_changes(client):
    response = client.get("/api/changes", query_string={"after": "0", "limit": "5"}, headers=API)
    assert response.status_code == 200 and response.get_json() == {"changes": [], "next": 0}


@pytest.mark.parametrize("key", ["²", "３", "٣"])
def test_a_lookalike_key_at_a_choice_is_a_wrong_entry_not_the_apology(dial, world, key, hotline_logs):
    call = at_vehicle_choice(dial, world.full())
    turn = call.press(key)
    assert "Sorry" not in turn.text and "系统暂时出现故障" not in turn.text
    assert "请选择车辆" in turn.text  # asked again, as for any wrong key
    assert not hotline_logs.tracebacks(), "a traceback in the log"


def test_second_spoken_with_a_superscript_two_is_a_wrong_entry_and_with_a_plain_two_chooses(dial, world,
                                                                                            hotline_logs):
    call = at_vehicle_choice(dial, world.full())
    turn = call.speak("第²辆")
    assert "系统暂时出现故障" not in turn.text and "请选择车辆" in turn.text
    assert not hotline_logs.tracebacks(), "a traceback in the log"
    turn = call.speak("第2辆")
    assert "请选择车辆" not in turn.text and "车牌" in turn.text  # the second car's facts


def test_a_pin_typed_with_lookalike_digits_is_a_wrong_entry_not_a_guess(app, dial, world):
    call = dial(world.full().phone)
    call.press("1")
    turn = call.press("１３５７９０")  # full-width: a keypad cannot send it
    assert "系统暂时出现故障" not in turn.text
    with app.extensions["hotline"].transaction(read_only=True) as session:
        guesses = session.scalar(select(func.count()).select_from(VerificationAttempt))
    assert guesses == 0  # refused at the door of the menu: no PIN check ran, no guess was spent
    turn = call.press(PIN)
    assert "交通违法查询请按1" in turn.text


@pytest.mark.parametrize("step", [*LOOKALIKES, "99999999999999999999"])
def test_a_lookalike_step_number_repeats_where_the_call_is(dial, world, settings, client, step):
    call = dial(world.full().phone)
    params = {"CallSid": call.call_sid, "From": call.caller, "Digits": "1"}
    response = signed_post(client, settings, f"/voice/step?n={step}", params)
    assert response.status_code == 200
    assert "系统暂时出现故障" not in response.get_data(as_text=True)


def numeric_text(max_size: int) -> st.SearchStrategy[str]:
    """Text that is mostly digits, ASCII or lookalike, with signs, keys and any other character mixed in."""
    digits = st.text(st.sampled_from("0123456789" + "".join(LOOKALIKES)), max_size=max_size)
    mixed = st.text(st.one_of(st.sampled_from("0123456789*#-+ " + "".join(LOOKALIKES)), st.characters()),
                    max_size=max_size)
    return st.one_of(digits, mixed)


# --- the reader itself, over any text --------------------------------------------------------------


@seed(20261124)
@hypothesis_settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(numeric_text(25))
def test_whole_number_reads_ascii_digits_only_and_never_raises(text):
    value = whole_number(text)
    if value is None:
        assert not (text and len(text) <= 18 and all("0" <= ch <= "9" for ch in text))
    else:
        assert str(value) == text.lstrip("0") or (value == 0 and set(text) == {"0"})
    assert set(ascii_digits(text)) <= set("0123456789")


@seed(20261124)
@hypothesis_settings(max_examples=100, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(attempt=numeric_text(22), after=numeric_text(22), limit=numeric_text(6), step=numeric_text(12),
       digits=numeric_text(8), speech=numeric_text(12))
def test_every_numeric_input_of_the_http_app_answers_without_a_500(client, settings, attempt, after, limit, step,
                                                                    digits, speech):
    receipt = signed_post(client, settings, "/sms/status?" + _query(attempt=attempt),
                          {"MessageSid": "SM" + "b" * 32, "MessageStatus": "delivered"})
    assert receipt.status_code == 200
    changes = client.get("/api/changes", query_string={"after": after, "limit": limit}, headers=API)
    assert changes.status_code in (200, 400)
    sid = "CA" + "c" * 32
    voice = signed_post(client, settings, "/voice/step?" + _query(n=step),
                        {"CallSid": sid, "From": "+8613800138000", "Digits": digits, "SpeechResult": speech})
    assert voice.status_code == 200 and "Sorry, something went wrong" not in voice.get_data(as_text=True)


def _query(**values: str) -> str:
    from urllib.parse import urlencode

    return urlencode(values)
