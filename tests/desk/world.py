"""The desk with people on the line, built once for the page tests, the browser test and the README's
screenshots (scripts/desk_screenshots.py): two callers waiting and a callback asked for, the app served over
HTTP on a free loopback port, and a browser signing in."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from flask import Flask
from werkzeug.serving import make_server

from hotline.runtime import Runtime
from hotline.services import callbacks, queue
from hotline.services.identity import Party
from tests.conftest import free_port

STRANGER = "+8613912345678"  # the second caller: on record nowhere, in English


def line(rt: Runtime, now: datetime, caller: Party, *, callback_number: str, callback_party: Party | None = None,
         callback_language: str = "zh-CN", callback_asked: timedelta = timedelta(minutes=1)) -> None:
    """The verified `caller` waiting 6 minutes (from the violations menu), a stranger 2 minutes (from the main
    menu, in English), and a callback asked for from the vehicles menu `callback_asked` ago."""
    with rt.transaction() as session:
        queue.join(session, now - timedelta(minutes=6), call_sid="CA" + "1" * 32, number=caller.phone, party=caller,
                   verified=True, menu_node="violations", language="zh-CN")
        queue.join(session, now - timedelta(minutes=2), call_sid="CA" + "2" * 32, number=STRANGER, party=None,
                   verified=False, menu_node="main_menu", language="en")
        callbacks.request(session, now - callback_asked, rt.calendar, rt.settings.office_hours,
                          number=callback_number, party=callback_party, menu_node="vehicles",
                          language=callback_language)


@contextmanager
def served(make_app: Callable[[str], Flask]) -> Iterator[Flask]:
    """The app `make_app(public_url)` builds, served on a free loopback port at that URL (so that the links
    and callbacks it gives point at itself); stopped, and its database connections closed, on leaving."""
    port = free_port()
    app = make_app(f"http://127.0.0.1:{port}")
    server = make_server("127.0.0.1", port, app, threaded=True)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield app
    finally:
        server.shutdown()
        thread.join(10)
        app.extensions["hotline"].engine.dispose()


def browser_sign_in(browser, name: str, password: str) -> None:
    """Fill in and send the sign-in form the browser shows."""
    browser.find_element("id", "name").send_keys(name)
    browser.find_element("id", "password").send_keys(password)
    browser.find_element("id", "sign-in").click()
