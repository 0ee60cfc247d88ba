"""The desk in a real Chromium, end to end: a caller presses 0 and waits (signed webhooks into the real
app), a signed-in agent sees them appear in the queue without reloading, takes the call and reads their
records; a second caller asks for a callback and the agent's "Call now" reaches the loopback Twilio's Calls
API. The app is served over HTTP on a free port, with a real database and the loopback Twilio."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import select

from hotline.cli.phone import FlaskTransport, PhoneCall
from hotline.db.staff import AuditRecord
from tests.desk.browser import chromium
from tests.desk.desk_client import AGENT, add
from tests.desk.world import browser_sign_in, served
from tests.e2e.voice_world import PIN, World

AGENT_PHONE = AGENT[3]


@pytest.fixture
def desk(settings, clock, loopback):
    """The hotline served on a free port (its public URL pointing at itself), calls going to the loopback."""
    from hotline.factory import create_app

    def make_app(public_url: str):
        return create_app(settings.replace(public_url=public_url, twilio_api_url=loopback.url), clock=clock)

    with served(make_app) as app:
        yield app


@pytest.fixture
def browser():
    driver = chromium()
    yield driver
    driver.quit()


def caller_waiting(app, phone: str) -> PhoneCall:
    """A call from `phone`: Mandarin, the PIN, then 0 for a person; Twilio asks the queue's wait URL."""
    settings = app.extensions["hotline"].settings
    call = PhoneCall(FlaskTransport(app.test_client(), settings.public_url, settings.twilio_auth_token), phone)
    call.start()
    call.press("1")
    call.press(PIN)
    assert call.press("0").waiting == "queue"
    call.hold(position=1)
    return call


def until(browser, condition):
    """Wait for what the page's poll brings (every 3 s it redraws the lists): an element redrawn between
    finding and reading it is simply looked up again."""
    ignored = (NoSuchElementException, StaleElementReferenceException)
    return WebDriverWait(browser, 30, ignored_exceptions=ignored).until(condition)


def click(browser, by: str, selector: str) -> None:
    until(browser, lambda b: b.find_element(by, selector).click() or True)


def rows(browser, table: str) -> list[str]:
    return [row.text for row in browser.find_elements(By.CSS_SELECTOR, f"#{table} tbody tr")]


def test_an_agent_takes_a_waiting_caller_sees_their_records_and_calls_another_back(desk, browser, loopback):
    rt = desk.extensions["hotline"]
    world = World(rt)
    first, second = world.full(), world.full()
    add(rt, *AGENT)
    base = rt.settings.public_url

    browser.get(base + "/desk")  # a stranger is sent to sign in
    assert browser.current_url.startswith(base + "/desk/login")
    browser_sign_in(browser, AGENT[0], AGENT[2])
    until(browser, lambda b: b.find_element(By.ID, "queue-count").text == "0")
    until(browser, lambda b: not b.find_element(By.ID, "take-next").is_enabled())

    caller_waiting(desk, first.phone)
    # The page polls: the caller appears without a reload.
    until(browser, lambda b: b.find_element(By.ID, "queue-count").text == "1")
    (row,) = until(browser, lambda b: rows(b, "queue"))
    assert "verified" in row and first.phone[-4:] in row and first.phone[3:] not in row

    click(browser, By.ID, "take-next")
    until(browser, lambda b: b.find_elements(By.ID, "taken"))
    (agent_leg,) = loopback.calls(to=AGENT_PHONE)
    assert "/voice/queue/agent" in agent_leg.url
    # The agent answers: Twilio fetches the leg's TwiML, which dials the queue the caller waits in.
    dialled = ET.fromstring(loopback.answer(agent_leg.sid)).find("Dial/Queue")
    assert dialled is not None
    taken = until(browser, lambda b: b.find_element(By.ID, "taken").text)
    assert "Your caller:" in taken and "*" in taken.splitlines()[0]
    until(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "#violations tbody tr"))
    until(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "#vehicles tbody tr"))
    until(browser, lambda b: b.find_element(By.ID, "queue-count").text == "0")
    with rt.transaction(read_only=True) as session:
        (audit,) = session.scalars(select(AuditRecord)).all()
        assert (audit.subject_kind, audit.reason) == ("person", "caller taken from the voice queue")

    click(browser, By.ID, "done")
    call = caller_waiting(desk, second.phone)
    assert call.press("1").waiting == "leave"  # 1 while waiting: a callback instead
    call.leave_queue("leave")
    until(browser, lambda b: b.find_element(By.ID, "callback-count").text == "1")
    click(browser, By.CSS_SELECTOR, "#callbacks button.call-now")
    until(browser, lambda b: "Calling " in b.find_element(By.TAG_NAME, "main").text)
    (callback_call,) = loopback.calls(to=second.phone)
    assert "/voice/callbacks/connect" in callback_call.url
    until(browser, lambda b: "calling" in rows(b, "callbacks")[0])
