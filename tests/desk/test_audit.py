"""Every showing of a person's records on the desk writes an audit record (who, whose, when, why, which
page), and supervisors read them in the audit log; the queue and callback lists (masked) write none."""

from __future__ import annotations

from datetime import timedelta

from bs4 import BeautifulSoup
from sqlalchemy import select

from hotline.db.staff import AuditRecord
from hotline.services import queue
from hotline.services.identity import identify
from tests.desk.desk_client import AGENT, SUPERVISOR, add, csrf_token, post_form, sign_in
from tests.factories import person, store


def test_each_view_of_the_taken_callers_records_is_audited_and_listed_for_supervisors(settings, clock, loopback):
    from hotline.factory import create_app

    app = create_app(settings.replace(twilio_api_url=loopback.url), clock=clock)
    rt = app.extensions["hotline"]
    try:
        driver = person(name="林小明", phone="+8613800138000")
        with rt.transaction() as session:
            store(session, driver)
            lin = identify(session, "+8613800138000")[0]
            queue.join(
                session,
                clock.now() - timedelta(minutes=3),
                call_sid="CA" + "1" * 32,
                number=lin.phone,
                party=lin,
                verified=True,
                menu_node="licence",
                language="zh-CN",
            )
        add(rt, *AGENT)
        add(rt, *SUPERVISOR)
        client = app.test_client()
        sign_in(client, AGENT[0], AGENT[2])
        client.get("/desk")
        client.get("/desk/live.json")

        def audits():
            with rt.transaction(read_only=True) as session:
                return list(session.scalars(select(AuditRecord).order_by(AuditRecord.id)))

        assert audits() == []  # the masked queue is no view of anyone's records
        post_form(client, "/desk", "/desk/take-next")
        client.get("/desk")  # the page after "take next": the caller's records on screen
        clock.advance(minutes=1)
        client.get("/desk")  # the page shown again (a reload) is a second view
        first, second = audits()
        assert (first.subject_kind, first.subject_id, first.reason) == (
            "person",
            lin.id,
            "caller taken from the voice queue",
        )
        assert first.page == "agent: caller's context" and second.at - first.at == timedelta(minutes=1)
        post_form(client, "/desk/login", "/desk/done")  # the form's token from a page without records
        client.get("/desk")
        assert len(audits()) == 2  # finished with the caller: no more views

        post_form(client, "/desk", "/desk/logout")
        sign_in(client, SUPERVISOR[0], SUPERVISOR[2])
        page = BeautifulSoup(client.get("/desk/audit").get_data(as_text=True), "html.parser")
        rows = [[td.get_text(strip=True) for td in tr.find_all("td")] for tr in page.select("#audit tbody tr")]
        assert rows[0] == [
            "2026-11-24 10:01",
            AGENT[0],
            f"person #{lin.id}",
            "caller taken from the voice queue",
            "agent: caller's context",
        ]
        assert len(rows) == 2
        assert csrf_token(str(page))  # the sign-out form is there
    finally:
        rt.engine.dispose()


def test_the_desk_shows_and_audits_the_caller_twilio_really_connected_not_the_front_of_our_list(
    settings, clock, loopback
):
    from hotline.factory import create_app

    app = create_app(settings.replace(twilio_api_url=loopback.url), clock=clock)
    rt = app.extensions["hotline"]
    try:
        with rt.transaction() as session:
            store(session, person(name="林小明", phone="+8613800138000"))
            store(session, person(name="赵大海", phone="+8613800138111"))
            lin = identify(session, "+8613800138000")[0]
            zhao = identify(session, "+8613800138111")[0]
            for minutes, sid, who in ((5, "CA" + "1" * 32, lin), (2, "CA" + "2" * 32, zhao)):
                queue.join(
                    session,
                    clock.now() - timedelta(minutes=minutes),
                    call_sid=sid,
                    number=who.phone,
                    party=who,
                    verified=True,
                    menu_node="licence",
                    language="zh-CN",
                )
        add(rt, *AGENT)
        client = app.test_client()
        sign_in(client, AGENT[0], AGENT[2])
        post_form(client, "/desk", "/desk/take-next")  # our list's front is 林小明
        with rt.transaction() as session:
            front = queue.entry(session, "CA" + "1" * 32)
            queue.connected(session, clock.now(), "CA" + "2" * 32, front.id)  # Twilio bridged 赵大海
        page = BeautifulSoup(client.get("/desk").get_data(as_text=True), "html.parser")
        assert page.select_one("#taken h2").get_text(strip=True) == f"Your caller: {zhao.name_masked}"
        assert "138****8111" in page.select_one("#taken").get_text(" ", strip=True)
        with rt.transaction(read_only=True) as session:
            seen = [(r.subject_kind, r.subject_id) for r in session.scalars(select(AuditRecord))]
        assert seen == [("person", zhao.id)]
    finally:
        rt.engine.dispose()
