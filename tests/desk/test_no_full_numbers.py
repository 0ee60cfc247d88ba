"""No desk page ever shows a whole ID number or phone number (ARCHITECTURE.md rule 6), walked over every
page a supervisor can open in a demo-like world: the demo's people, callers waiting, a callback asked for,
a caller taken with their records on screen, an announcement checked, the audit log."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from hotline.db import Organisation, Person
from hotline.demo import cast
from hotline.demo.fill import fill_database
from hotline.services import callbacks, queue
from hotline.services.identity import identify
from tests.desk.desk_client import SUPERVISOR, add, csrf_token, sign_in


def _forbidden(session) -> set[str]:
    """Every ID number, organisation code and phone number on record, in each form a page could print."""
    found: set[str] = set()
    for id_number, phone in session.execute(select(Person.id_number, Person.phone)):
        found.add(id_number)
        if phone:
            found.update({phone, phone.removeprefix("+86")})
    for code, phone in session.execute(select(Organisation.org_code, Organisation.phone)):
        found.add(code)
        if phone:
            found.update({phone, phone.removeprefix("+86")})
    return found


def test_no_desk_page_shows_a_whole_id_number_or_phone_number(settings, clock, loopback):
    from hotline.factory import create_app

    app = create_app(settings.replace(twilio_api_url=loopback.url), clock=clock)
    rt = app.extensions["hotline"]
    try:
        fill_database(rt, people=20, seed=12123, now=clock.now() - timedelta(hours=2))
        now = clock.now()
        with rt.transaction() as session:
            lin = identify(session, cast.LIN_PHONE)[0]
            queue.join(
                session,
                now - timedelta(minutes=5),
                call_sid="CA" + "1" * 32,
                number=cast.LIN_PHONE,
                party=lin,
                verified=True,
                menu_node="violations",
                language="zh-CN",
            )
            organisation = identify(session, cast.ORGANISATION_PHONE)[0]
            callbacks.request(
                session,
                now,
                rt.calendar,
                rt.settings.office_hours,
                number=cast.ORGANISATION_PHONE,
                party=organisation,
                menu_node="vehicles",
                language="zh-CN",
            )
            forbidden = _forbidden(session)
        assert len(forbidden) > 60
        add(rt, *SUPERVISOR)
        forbidden.update({SUPERVISOR[3], SUPERVISOR[3].removeprefix("+86")})
        client = app.test_client()
        sign_in(client, SUPERVISOR[0], SUPERVISOR[2])
        shown: dict[str, str] = {}

        def look(name: str, response) -> str:
            assert response.status_code == 200, name
            shown[name] = response.get_data(as_text=True)
            return shown[name]

        page = look("agent", client.get("/desk"))
        look("take next", client.post("/desk/take-next", data={"csrf_token": csrf_token(page)}, follow_redirects=True))
        callback_id = re.search(r"/desk/callbacks/(\d+)/call", shown["take next"]).group(1)
        look(
            "call now",
            client.post(
                f"/desk/callbacks/{callback_id}/call",
                data={"csrf_token": csrf_token(shown["take next"])},
                follow_redirects=True,
            ),
        )
        for rule in app.url_map.iter_rules():
            if rule.endpoint.startswith("desk.") and "GET" in rule.methods and not rule.arguments:
                look(rule.rule, client.get(rule.rule))
        look(
            "announcement preview",
            client.post(
                "/desk/announcement",
                data={
                    "csrf_token": csrf_token(shown["/desk/announcement"]),
                    "action": "preview",
                    "announcement_id": "X-1",
                    "kind": "notice",
                    "area": "350200",
                    "title": "通告",
                    "text": "测试",
                    "valid_until": "2026-12-31",
                },
            ),
        )

        # The walk did reach people's data: the taken caller's records and the callback's organisation.
        assert "林*明" in shown["take next"] and 'id="violations"' in shown["take next"]
        assert 'id="vehicles"' in shown["call now"]
        assert len(shown) >= 9
        for name, html in shown.items():
            leaked = sorted(value for value in forbidden if value in html)
            assert not leaked, f"{name} shows {leaked}"
    finally:
        rt.engine.dispose()
