"""`/healthz` tells the truth about the database, and the app is itself again the moment the database is."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.factories import person
from tests.twilio_signing import signed_post

TOKEN = {"Authorization": "Bearer dev-api-token"}


def test_healthz_reads_a_real_table(client, app):
    engine = app.extensions["hotline"].engine
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE person RENAME TO person_gone"))
    try:
        response = client.get("/healthz")
    finally:
        with engine.begin() as connection:
            connection.execute(text("ALTER TABLE person_gone RENAME TO person"))
    assert response.status_code == 503
    assert response.json["checks"]["database"] == "unavailable"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_an_overwritten_sqlite_file_is_reported_and_its_restore_is_seen_at_once(client, settings, database_outage):
    driver = person()
    assert client.post("/api/events", json=[driver], headers=TOKEN).status_code == 200
    assert client.get("/healthz").json["checks"]["database"] == "ok"

    database_outage.start()
    broken = client.get("/healthz")
    assert broken.status_code == 503
    assert broken.json["status"] == "unavailable" and broken.json["checks"]["database"] == "unavailable"
    # A text meets the garbage on a pooled connection: the texter hears the apology.
    text_in = {"MessageSid": "SM" + "1" * 32, "From": driver["phone"], "Body": "WZ"}
    assert "系统繁忙" in signed_post(client, settings, "/sms/incoming", text_in).get_data(as_text=True)

    database_outage.end()
    assert client.get("/healthz").json["checks"]["database"] == "ok"
    # The connections that saw the garbage were discarded: the next request reads the restored file.
    changes = client.get("/api/changes", headers=TOKEN)
    assert changes.status_code == 200 and changes.json["changes"] == []
    assert "系统繁忙" not in signed_post(client, settings, "/sms/incoming", text_in).get_data(as_text=True)


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_after_postgresql_ends_every_session_the_next_request_is_healthy(client, database_outage):
    assert client.post("/api/events", json=[person()], headers=TOKEN).status_code == 200
    assert client.get("/healthz").status_code == 200

    assert database_outage.terminate_sessions() >= 1
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json["checks"]["database"] == "ok"
    changes = client.get("/api/changes", headers=TOKEN)
    assert changes.status_code == 200
