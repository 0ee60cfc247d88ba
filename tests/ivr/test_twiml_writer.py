"""The voice TwiML is written straight from the twilio library's tree (ivr/twiml.py `to_xml`), to the same bytes
as the library's own `str()` through ElementTree."""

from __future__ import annotations

import pytest
from twilio.twiml.voice_response import Gather, VoiceResponse

from hotline.config import Settings
from hotline.ivr import twiml


def _trees():
    plain = VoiceResponse()
    plain.say("您好，欢迎致电。", voice="Polly.Zhiyu", language="cmn-CN")
    yield "one say", plain

    gather = VoiceResponse()
    menu = Gather(action="/voice/step?n=4&x=<1>", method="POST", timeout=6, finish_on_key="",
                  action_on_empty_result=True, num_digits=1, input="dtmf speech", hints='驾驶证, "licence"')
    menu.say("Press 1 & hold <or> say \"yes\"\r\n\tnow", voice="Polly.Joanna", language="en-US")
    menu.say("", language="cmn-CN")
    gather.append(menu)
    gather.say("a]]>b &amp; &#38; 🚗 𠀀 \x7f", voice="Polly.Zhiyu")
    yield "gather with escapes", gather

    ending = VoiceResponse()
    ending.dial("+8659512123", action="/voice/dial?n=2", method="POST", timeout=20, record=False)
    ending.enqueue("hotline-agents", action="/voice/dial?n=3", wait_url="/voice/queue/wait", wait_url_method="POST")
    ending.hangup()
    yield "dial, queue, hangup", ending

    text_inside = VoiceResponse()
    text_inside.append("before")
    text_inside.pause(length=1)
    text_inside.append("after & <more>")
    yield "plain text between verbs", text_inside

    yield "empty", VoiceResponse()


@pytest.mark.parametrize(("name", "tree"), list(_trees()), ids=[name for name, _ in _trees()])
def test_the_writer_gives_the_same_bytes_as_the_twilio_library(name, tree):
    assert twiml.to_xml(tree) == str(tree)


def _steps():
    say = {"say": "您的驾驶证状态正常 & <好>", "language": "zh-CN"}
    english = {"say": "Your licence is valid; 驾驶证 正常. Press 1.", "language": "en"}
    yield [say, {"gather": {"num_digits": 1}, "step": 3, "prompt": [english]}]
    yield [say, {"gather": {"speech": True, "hints": "是,否", "timeout": 8, "finish_on_key": "#"}, "step": 5}]
    yield [english, {"dial": "direct", "step": 7, "timeout": 30}]
    yield [say, {"dial": "queue", "step": 8}]
    yield [say, english, {"hangup": True}]


@pytest.mark.parametrize("language", ["zh-CN", "en"])
@pytest.mark.parametrize("actions", list(_steps()))
def test_a_step_answers_as_the_twilio_library_would_write_it(monkeypatch, actions, language):
    settings = Settings()
    written = twiml.from_actions(actions, settings, language)
    monkeypatch.setattr(twiml, "to_xml", str)  # the library's own serialisation, as before
    assert written == twiml.from_actions(actions, settings, language)
