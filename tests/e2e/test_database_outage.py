"""Nothing lost while the database is down, on both databases (tests/conftest.py: DatabaseOutage).

An opt-out texted during the outage is held in Redis, the texter told it is recorded, and it is applied
when the database is back (by the sweep, or before the next opt message); the upstream API is told to come
back later with a 503 and `Retry-After`, never a 500.
"""

from __future__ import annotations

from hotline.db import ChangeKind
from tests.factories import person
from tests.sms.helpers import text
from workers.jobs import sweep_all as sweep

TOKEN = {"Authorization": "Bearer dev-api-token"}
PHONE = "+8613800138000"


def changes(client) -> list[tuple[str, str, str]]:
    response = client.get("/api/changes", headers=TOKEN)
    assert response.status_code == 200, response.get_data(as_text=True)
    return [(c["kind"], c["data"]["phone"], c["data"]["source"]) for c in response.json["changes"]]


def test_td_while_the_database_is_down_is_recorded_and_applied_when_it_is_back(app, client, settings,
                                                                                 database_outage):
    database_outage.start()
    reply = text(client, settings, PHONE, "TD")
    assert "已退订" in reply and "系统繁忙" not in reply

    database_outage.end()
    rt = app.extensions["hotline"]
    assert sweep(rt).opt_messages_applied == 1
    assert sweep(rt).opt_messages_applied == 0  # applied once, taken off the list
    assert changes(client) == [(ChangeKind.OPT_OUT, PHONE, "td")]
    assert "您未退订" not in text(client, settings, PHONE, "订阅")  # the number is out, so 订阅 lifts it


def test_an_opt_in_after_the_database_is_back_is_not_overtaken_by_the_td_held_before_it(client, settings,
                                                                                      database_outage):
    database_outage.start()
    assert "已退订" in text(client, settings, PHONE, "退订")
    database_outage.end()

    # No sweep yet: the 订阅 applies the held TD first, then itself.
    assert "已恢复提醒短信" in text(client, settings, PHONE, "订阅")
    assert changes(client) == [(ChangeKind.OPT_OUT, PHONE, "td"), (ChangeKind.OPT_IN, PHONE, "sms")]


def test_twilio_stop_while_the_database_is_down_is_mirrored_later_and_left_to_twilio_to_answer(
        app, client, settings, database_outage):
    database_outage.start()
    assert text(client, settings, PHONE, "STOP", OptOutType="STOP") is None
    database_outage.end()
    sweep(app.extensions["hotline"])
    assert changes(client) == [(ChangeKind.OPT_OUT, PHONE, "twilio_stop")]


def test_the_api_answers_a_polite_503_with_retry_after_while_the_database_is_down(client, database_outage):
    database_outage.start()
    for response in (client.get("/api/changes", headers=TOKEN),
                     client.post("/api/events", json=[person()], headers=TOKEN)):
        assert response.status_code == 503
        assert int(response.headers["Retry-After"]) > 0
        assert "try again" in response.json["error"]
    database_outage.end()
    assert client.get("/api/changes", headers=TOKEN).status_code == 200
