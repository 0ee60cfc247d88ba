from datetime import datetime

from sqlalchemy import select

from hotline.clock import CHINA
from hotline.db import Person


def test_healthz_reports_database_and_redis(client, clock):
    clock.set(datetime(2026, 6, 1, 10, 0, tzinfo=CHINA))  # well inside the calendar's coverage
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "checks": {"database": "ok", "redis": "ok", "calendar": "ok"}}


def test_empty_database_has_no_people(session):
    assert session.scalars(select(Person)).all() == []
