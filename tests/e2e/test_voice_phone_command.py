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
    assert f"(dialling {settings.agent_number})" in out and "< (the person's line: busy)" in out
    assert "人工座席正忙" in out and "> call ended" in out


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
