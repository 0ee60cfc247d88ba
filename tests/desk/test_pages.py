"""What the desk's pages show a signed-in staff member, read as a person reads them (BeautifulSoup)."""

from __future__ import annotations

from datetime import timedelta

from bs4 import BeautifulSoup
from sqlalchemy import func, select

from hotline.db import Announcement, Notice
from hotline.services import announcements
from hotline.services.identity import identify
from tests.desk.desk_client import AGENT, SUPERVISOR, add, csrf_token, sign_in, text
from tests.desk.world import line
from tests.factories import person, store


def _signed_in(app, client, who=SUPERVISOR):
    add(app.extensions["hotline"], *who)
    assert sign_in(client, who[0], who[2]).status_code == 302


def test_the_agent_sees_the_queue_longest_first_masked_and_the_callbacks(app, client, clock):
    rt = app.extensions["hotline"]
    driver = person(name="林小明", phone="+8613800138000")
    with rt.transaction() as session:
        store(session, driver)
        lin = identify(session, "+8613800138000")[0]
    line(rt, clock.now(), lin, callback_number="+8613700137000")
    _signed_in(app, client, AGENT)
    page = BeautifulSoup(client.get("/desk").get_data(as_text=True), "html.parser")
    rows = [[td.get_text(" ", strip=True) for td in tr.find_all("td")] for tr in page.select("#queue tbody tr")]
    assert rows == [
        ["1", "6 min 0 s", "verified", "林*明", "138****8000", "violations", "zh-CN"],
        ["2", "2 min 0 s", "not verified", "", "139****5678", "main_menu", "en"],
    ]
    callback = [td.get_text(" ", strip=True) for td in page.select("#callbacks tbody tr td")]
    assert callback[:3] == ["137****7000", "not verified", "vehicles"] and "Call now" in callback[-1]
    live = client.get("/desk/live.json").json
    assert [c["number"] for c in live["queue"]] == ["138****8000", "139****5678"]
    assert live["callbacks"][0]["number"] == "137****7000" and live["callbacks"][0]["state"] == "waiting"
    assert "13800138000" not in client.get("/desk/live.json").get_data(as_text=True)


def test_take_next_with_nobody_waiting_says_so(app, client):
    _signed_in(app, client, AGENT)
    token = csrf_token(client.get("/desk").get_data(as_text=True))
    response = client.post("/desk/take-next", data={"csrf_token": token}, follow_redirects=True)
    assert "Nobody is waiting." in text(response)


def test_the_supervisor_sees_the_days_notices_by_kind_and_state_failures_with_reasons_and_the_hourly_chart(
    app, client, clock
):
    rt = app.extensions["hotline"]
    now = clock.now()  # 10:00 China time
    with rt.transaction() as session:
        for n, (state, reason) in enumerate(
            [("delivered", None), ("delivered", None), ("failed", "30003 unreachable"), ("planned", None)]
        ):
            session.add(
                Notice(
                    kind="W01",
                    subject_kind="person",
                    subject_id=n,
                    occasion=f"violation:{n}",
                    phone="+8613800138000",
                    state=state,
                    failure_reason=reason,
                    planned_at=now,
                    not_before=now,
                    accepted_at=now if state != "planned" else None,
                    finished_at=now + timedelta(minutes=5) if state != "planned" else None,
                )
            )
    _signed_in(app, client)
    page = BeautifulSoup(client.get("/desk/supervisor").get_data(as_text=True), "html.parser")
    notices = page.select_one("#notices")
    assert "Notices planned today: 4" in notices.get_text(" ", strip=True)
    header = [th.get_text(strip=True) for th in notices.select("table")[0].select("th")]
    assert header == ["kind", "planned", "failed", "delivered", "total"]
    row = [td.get_text(" ", strip=True) for td in notices.select("table")[0].select("tbody td")]
    assert row == ["W01 电子监控违法记录", "1", "1", "2", "4"]
    failures = [td.get_text(strip=True) for td in page.select("#failures td")]
    assert failures == ["W01", "failed", "30003 unreachable", "1"]
    bars = {title.get_text() for title in page.select("#sending-chart svg rect title")}
    assert "sent 10:00-10:59: 3 notices" in bars and "delivered 10:00-10:59: 2 notices" in bars
    assert "failed or undelivered 10:00-10:59: 1 notices" in bars
    assert "Waiting now:" in page.select_one("#queue-health").get_text()
    assert "2024-01-01 to 2026-12-31" in page.select_one("#calendar").get_text()


def test_composing_an_announcement_shows_both_texts_segments_and_recipients_then_broadcasts_on_confirm(
    app, client, clock
):
    rt = app.extensions["hotline"]
    with rt.transaction() as session:
        for n, area in enumerate(["350203", "350206", "350100"]):  # two in Xiamen (3502..), one in Fuzhou
            announcements.subscribe(session, clock, f"+861380013810{n}", area=area, party=None, language="zh-CN")
    _signed_in(app, client)
    token = csrf_token(client.get("/desk/announcement").get_data(as_text=True))
    form = {
        "csrf_token": token,
        "announcement_id": "DESK-1",
        "kind": "notice",
        "area": "350200",
        "title": "环岛路周末交通管制",
        "text": "12月每周六、周日8时至18时，环岛路部分路段禁止机动车通行，请绕行。周末出行请提前规划路线。",
        "valid_until": "2026-12-31",
    }
    preview = BeautifulSoup(
        client.post("/desk/announcement", data={**form, "action": "preview"}).get_data(True), "html.parser"
    )
    texts = {pre["lang"]: pre.get_text() for pre in preview.select("pre.sms")}
    assert texts["zh-CN"].startswith("【交管12123】") and "环岛路周末交通管制" in texts["zh-CN"]
    assert "环岛路周末交通管制" in texts["en"]
    check = preview.select_one("#check").get_text(" ", strip=True)
    # Over 70 UCS-2 characters: two segments of 67 (carriers count them so).
    assert f"中文: 2 segments ({len(texts['zh-CN'])} UCS-2 characters)" in check
    assert "2 subscribers in the area" in preview.select_one("#recipients").get_text(" ", strip=True)
    with rt.transaction(read_only=True) as session:
        assert session.scalar(select(func.count()).select_from(Announcement)) == 0  # the preview saved nothing
    sent = client.post("/desk/announcement", data={**form, "action": "send"}, follow_redirects=True)
    assert "2 texts planned" in text(sent)
    with rt.transaction(read_only=True) as session:
        assert session.scalar(select(Announcement.title).where(Announcement.announcement_id == "DESK-1"))
        assert session.scalar(select(func.count()).select_from(Notice).where(Notice.kind == "A01")) == 2


def test_an_announcement_with_a_bad_area_is_refused_with_the_reason_and_nothing_saved(app, client):
    _signed_in(app, client)
    token = csrf_token(client.get("/desk/announcement").get_data(as_text=True))
    form = {
        "csrf_token": token,
        "announcement_id": "DESK-2",
        "kind": "notice",
        "area": "35",
        "title": "t",
        "text": "x",
        "valid_until": "not a date",
    }
    for action in ("preview", "send"):
        response = client.post("/desk/announcement", data={**form, "action": action})
        assert response.status_code == 200
        errors = BeautifulSoup(response.get_data(True), "html.parser").select_one("#errors").get_text(" ", strip=True)
        assert "area" in errors and "valid_until" in errors
    rt = app.extensions["hotline"]
    with rt.transaction(read_only=True) as session:
        assert session.scalar(select(func.count()).select_from(Announcement)) == 0


def test_the_voice_menu_page_carries_the_flow_diagram_and_the_vendored_mermaid(app, client):
    _signed_in(app, client)
    page = BeautifulSoup(client.get("/desk/menu").get_data(as_text=True), "html.parser")
    diagram = page.select_one("pre.mermaid").get_text()
    assert diagram.startswith("flowchart TD") and "main_menu" in diagram
    script = page.find("script", src=True)["src"]
    assert script == "/desk/static/mermaid/mermaid.min.js"
    assert client.get(script).status_code == 200
