"""`flask phone call`: a scripted call, in-process and over real HTTP to a running hotline."""

from __future__ import annotations

import pytest

from tests.e2e.voice_world import PIN, World


def test_a_scripted_call_in_process_prints_what_is_said(app, settings):
    caller = World(app.extensions["hotline"]).full()
    result = app.test_cli_runner().invoke(
        args=["phone", "call", caller.phone, "--local", "--keys", f"1,{PIN},2,#,0", "--dial-status", "busy"]
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert "[cmn-CN] 您好，欢迎致电交管幺二幺二三服务热线" in out and "[en-US] For English, press 9." in out
    assert "您的驾驶证准驾车型C1" in out
    assert "< (waiting in the queue for a person)" in out
    assert "您是下一位" in out and "如需挂机并由人工回电，请按1" in out and "> call ended" in out


def test_keys_0_show_the_queue_as_a_caller_hears_it_with_the_loopback_keeping_the_queue(settings, clock):
    import threading

    from werkzeug.serving import make_server

    from hotline.factory import create_app
    from hotline.sandbox.loopback_twilio import Loopback
    from tests.conftest import free_port

    loopback = Loopback(callbacks=False).start()
    port = free_port()
    served = create_app(settings.replace(public_url=f"http://127.0.0.1:{port}",
                                            twilio_api_url=loopback.url), clock=clock)
    server = make_server("127.0.0.1", port, served, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        loopback.enter(f"{settings.rq_queue_prefix}-agents", "CA" + "1" * 32)  # someone already waits
        caller = World(served.extensions["hotline"]).full()
        result = served.test_cli_runner().invoke(args=["phone", "call", caller.phone, "--keys", "0,_,1"])
        assert result.exit_code == 0, result.output
        out = result.output
        assert "正在为您转接人工服务" in out and "< (waiting in the queue for a person)" in out
        assert out.count("您前面还有1位来电") == 2  # heard again at the repeat
        assert "如需挂机并由人工回电，请按1" in out
        assert "人工将尽快给您回电" in out and "< (the caller leaves the queue)" in out
        assert "感谢您的来电，再见" in out and "> call ended" in out
        assert loopback.enter(f"{settings.rq_queue_prefix}-agents", "CA" + "1" * 32)["QueuePosition"] == 1
    finally:
        server.shutdown()
        loopback.stop()
        served.extensions["hotline"].engine.dispose()


def test_a_call_over_http_is_signed_like_twilio_and_reads_keys_from_stdin(served_app):
    caller = World(served_app.extensions["hotline"]).full()
    result = served_app.test_cli_runner().invoke(
        args=["phone", "call", caller.phone], input=f"9\n{PIN}\n1\nq\n"
    )
    assert result.exit_code == 0, result.output
    assert "HTTP 403" not in result.output
    assert "For traffic violations, press 1" in result.output
    assert "There are 4 violations on record" in result.output


@pytest.fixture
def terminal_logs():
    """The app's JSON log lines as `HOTLINE_LOG_JSON=true` (the default) sends them: to the terminal's stderr."""
    import io
    import logging

    from hotline import logs

    names = ("hotline", "rq.worker", "workers")
    saved = [(logging.getLogger(n).handlers[:], logging.getLogger(n).level, logging.getLogger(n).propagate)
             for n in names]
    stream = io.StringIO()
    logs.configure(stream=stream)
    yield stream
    for name, (handlers, level, propagate) in zip(names, saved, strict=True):
        logger = logging.getLogger(name)
        logger.handlers, logger.level, logger.propagate = handlers, level, propagate


def test_a_local_call_and_text_keep_log_lines_out_of_the_transcript(app, terminal_logs):
    caller = World(app.extensions["hotline"]).full()
    runner = app.test_cli_runner()
    call = runner.invoke(args=["phone", "call", caller.phone, "--local", "--keys", f"1,{PIN},2,#"])
    text = runner.invoke(args=["phone", "sms", caller.phone, "JSZ", "--local"])
    assert call.exit_code == 0 and text.exit_code == 0, call.output + text.output
    assert "您的驾驶证准驾车型C1" in call.output and "> call ended" in call.output
    assert terminal_logs.getvalue() == "", "request log lines were written into the terminal's transcript"
    # Outside the call the app logs its requests again.
    app.test_client().get("/healthz")
    assert "/healthz" in terminal_logs.getvalue()
