"""The upstream API: bearer token, records in all-or-nothing, the change feed out by cursor."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from hotline.db import Licence, Person
from hotline.services.changefeed import record_change
from tests.factories import DEFAULT_NOW, licence, person, valid_id_number, vehicle

TOKEN = {"Authorization": "Bearer dev-api-token"}


def _count(app, model) -> int:
    with app.extensions["hotline"].transaction(read_only=True) as session:
        return session.scalar(select(func.count()).select_from(model))


def test_both_routes_need_the_token(client):
    for method, path in (("post", "/api/events"), ("get", "/api/changes")):
        call = getattr(client, method)
        assert call(path).status_code == 401
        assert call(path, headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert call(path, headers={"Authorization": "Basic dev-api-token"}).status_code == 401


def test_events_are_stored_and_counted(client, app):
    p = person()
    response = client.post("/api/events", json=[p, licence(p, points=3), vehicle(p)], headers=TOKEN)
    assert response.status_code == 200, response.json
    assert response.json == {"inserted": 3, "updated": 0, "unchanged": 0, "stale": 0, "rejected": 0, "planned": 0}

    again = client.post("/api/events", json=[licence(p, points=9)], headers=TOKEN)
    assert again.json["updated"] == 1
    with app.extensions["hotline"].transaction(read_only=True) as session:
        assert session.scalars(select(Licence.points)).one() == 9


def test_one_bad_record_refuses_the_array_with_every_error_by_index(client, app):
    good, bad = person(), person(phone="010 6552 9988", account="gold")
    records = [good, licence(good), {"type": "person"}, bad, licence(valid_id_number()), "not an object"]
    response = client.post("/api/events", json=records, headers=TOKEN)
    assert response.status_code == 400
    errors = response.json["errors"]
    assert {(e["index"], e["field"]) for e in errors} == {
        (2, "id_number"), (2, "name"), (2, "phone"),
        (3, "phone"), (3, "account"),
        (4, "id_number"),
        (5, "record"),
    }
    assert [e["index"] for e in errors] == sorted(e["index"] for e in errors)
    phone_error = next(e for e in errors if e["index"] == 3 and e["field"] == "phone")
    assert "not a mobile number" in phone_error["reason"]
    assert _count(app, Person) == 0


def test_malformed_bodies_get_a_clear_400(client):
    for body, words in (
        (b"{not json", "not valid JSON"),
        (b'{"type": "person"}', "JSON array"),
        (b'"hello"', "JSON array"),
        (b"\xff\xfe", "not valid JSON"),
        (b"", "not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'[{"type": ["person"]}]', None),
    ):
        response = client.post("/api/events", data=body, headers=TOKEN, content_type="application/json")
        assert response.status_code == 400
        if words is None:  # a record-level error, named by index and field
            assert response.json["errors"][0]["field"] == "type"
        else:
            assert words in response.json["error"]


def test_a_body_too_large_is_refused_before_it_is_read(client):
    response = client.post("/api/events", data=b"[" + b" " * (33 * 1024 * 1024) + b"]", headers=TOKEN,
                           content_type="application/json")
    assert response.status_code == 413


def test_an_empty_array_is_fine(client):
    response = client.post("/api/events", json=[], headers=TOKEN)
    assert response.status_code == 200 and response.json["inserted"] == 0


def test_changes_are_paged_by_cursor(client, session):
    for number in range(5):
        at = DEFAULT_NOW + timedelta(minutes=number)
        record_change(session, "opt_out", {"phone": f"+86138000000{number:02d}"}, at)
    session.commit()

    first = client.get("/api/changes?limit=2", headers=TOKEN)
    assert first.status_code == 200
    page = first.json["changes"]
    assert [c["data"]["phone"] for c in page] == ["+8613800000000", "+8613800000001"]
    assert page[0]["kind"] == "opt_out"
    assert page[0]["at"].startswith("2026-11-24T02:00:00")
    assert first.json["next"] == page[-1]["cursor"]

    second = client.get(f"/api/changes?after={first.json['next']}&limit=2", headers=TOKEN).json
    third = client.get(f"/api/changes?after={second['next']}&limit=2", headers=TOKEN).json
    assert [c["data"]["phone"][-2:] for c in second["changes"] + third["changes"]] == ["02", "03", "04"]
    cursors = [c["cursor"] for c in page + second["changes"] + third["changes"]]
    assert cursors == sorted(cursors) and len(set(cursors)) == 5

    done = client.get(f"/api/changes?after={third['next']}", headers=TOKEN).json
    assert done == {"changes": [], "next": third["next"]}


def test_bad_cursor_or_limit_is_a_400(client):
    for query in ("after=abc", "after=-1", "after=1.5", "after=99999999999999999999999", "limit=0", "limit=5000",
                  "limit=x"):
        response = client.get(f"/api/changes?{query}", headers=TOKEN)
        assert response.status_code == 400, query
        assert response.json["error"]


def test_simultaneous_calls_with_the_same_new_record_all_succeed(app):
    from concurrent.futures import ThreadPoolExecutor

    p = person()
    batch = [p, licence(p)]

    def post(_):
        return app.test_client().post("/api/events", json=batch, headers=TOKEN).status_code

    with ThreadPoolExecutor(4) as pool:
        statuses = list(pool.map(post, range(4)))
    assert statuses == [200, 200, 200, 200]
    assert _count(app, Person) == 1 and _count(app, Licence) == 1
