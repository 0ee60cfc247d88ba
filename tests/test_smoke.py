from sqlalchemy import select

from hotline.db import Person


def test_healthz_reports_database_and_redis(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}


def test_empty_database_has_no_people(session):
    assert session.scalars(select(Person)).all() == []
