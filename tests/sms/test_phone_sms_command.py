"""`flask phone sms NUMBER TEXT` texts the hotline as Twilio would and prints the reply."""

from __future__ import annotations

import threading
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest

from tests.factories import licence, person, store


@pytest.fixture
def someone(session):
    p = person(phone="+8613800138000")
    store(session, p, licence(p, points=4))
    return p


def test_in_process(app, someone):
    result = app.test_cli_runner().invoke(args=["phone", "sms", "+8613800138000", "JSZ", "--local"])
    assert result.exit_code == 0, result.output
    assert "已记4分" in result.output


def test_a_silent_answer_is_shown_as_no_reply(app, someone):
    result = app.test_cli_runner().invoke(
        args=["phone", "sms", "+8613800138000", "STOP", "--local", "--opt-out-type", "STOP"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "(no reply)"


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def test_over_http_to_the_running_hotline(app, someone):
    server = make_server("127.0.0.1", 0, app, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        # Signed for the URL it posts to, which the hotline checks against its public URL.
        url = f"http://127.0.0.1:{server.server_port}"
        rt = app.extensions["hotline"]
        rt.settings = rt.settings.replace(public_url=url)
        result = app.test_cli_runner().invoke(args=["phone", "sms", "+8613800138000", "ｗｚ"])
        assert result.exit_code == 0, result.output
        assert "没有违法记录" in result.output
    finally:
        server.shutdown()
        thread.join(5)


def test_a_refused_signature_is_an_error(app, someone):
    rt = app.extensions["hotline"]
    rt.settings = rt.settings.replace(public_url="https://hotline.elsewhere")
    server = make_server("127.0.0.1", 0, app, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        result = app.test_cli_runner().invoke(
            args=["phone", "sms", "+8613800138000", "WZ", "--url", f"http://127.0.0.1:{server.server_port}"]
        )
        assert result.exit_code != 0
        assert "HTTP 403" in result.output
    finally:
        server.shutdown()
        thread.join(5)
