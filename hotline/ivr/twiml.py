"""One renderer from engine actions to TwiML, with the twilio library's VoiceResponse.

Voices and languages come from settings; every Gather posts back to `/voice/step?n=<step>` (and a Dial
to `/voice/dial?n=<step>`), so a retried webhook is recognised by its step number.
"""

from __future__ import annotations

import re

from twilio.twiml.voice_response import Gather, VoiceResponse

from ..config import Settings
from .protocol import Action, Say

STEP_PATH = "/voice/step"
DIAL_PATH = "/voice/dial"
QUEUE_WAIT_PATH = "/voice/queue/wait"


def queue_name(settings: Settings) -> str:
    """The Twilio queue callers wait in for a person; per deployment, like the Redis keys."""
    return f"{settings.rq_queue_prefix}-agents"


def voice_for(settings: Settings, language: str) -> dict[str, str]:
    if language == "en":
        return {"voice": settings.voice_en, "language": settings.voice_en_language}
    return {"voice": settings.voice_zh, "language": settings.voice_zh_language}


# A run of Chinese text (with the digits, letters and punctuation inside it: 枋湖路123号, 湖滨南路（东段）)
# in an English prompt: a place, an offence, an announcement's title as the upstream wrote them.
CHINESE_RUN = re.compile(
    r"[\u3400-\u9fff\uf900-\ufaff](?:[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef0-9A-Za-z·()\-]*"
    r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef0-9)])?"
)


def _words(text: str) -> bool:
    """Whether an English piece has anything to say: the full stop after a Chinese name alone does not."""
    return any(ch.isalnum() for ch in text)


def _say(target: VoiceResponse | Gather, settings: Settings, text: str, language: str) -> None:
    """One `<Say>` per language run: the English voice cannot read Chinese (it spells or skips it), so the
    Chinese inside an English prompt is said by the Mandarin voice in its own `<Say>`."""
    if not text:
        return
    if language != "en":
        target.say(text, **voice_for(settings, language))
        return
    at = 0
    for run in CHINESE_RUN.finditer(text):
        english = text[at : run.start()].strip()
        if _words(english):
            target.say(english, **voice_for(settings, "en"))
        target.say(run.group(), **voice_for(settings, "zh-CN"))
        at = run.end()
    rest = text[at:].strip()
    if _words(rest):
        target.say(rest, **voice_for(settings, "en"))


def from_actions(actions: list[Action], settings: Settings, call_language: str = "zh-CN") -> str:
    """TwiML for what one step said and is waiting for."""
    response = VoiceResponse()
    pending: list[Say] = []  # says just before a Gather go inside it, so a key press may cut them short
    for action in actions:
        if "say" in action:
            pending.append(action)
            continue
        if "gather" in action:
            spec = action["gather"]
            options = {
                "action": f"{STEP_PATH}?n={action['step']}",
                "method": "POST",
                "timeout": spec.get("timeout", 6),
                "finish_on_key": spec.get("finish_on_key", ""),
                "action_on_empty_result": True,
            }
            if "num_digits" in spec:
                options["num_digits"] = spec["num_digits"]
            if spec.get("speech"):
                options["input"] = "dtmf speech"
                options["language"] = settings.speech_language if call_language == "zh-CN" else \
                    settings.voice_en_language
                if spec.get("hints"):
                    options["hints"] = spec["hints"]
                options["speech_timeout"] = "auto"
            else:
                options["input"] = "dtmf"
            gather = Gather(**options)
            for say in pending + action.get("prompt", []):
                _say(gather, settings, say["say"], say["language"])
            pending = []
            response.append(gather)
            continue
        for say in pending:
            _say(response, settings, say["say"], say["language"])
        pending = []
        if action.get("dial") == "direct":
            response.dial(settings.agent_number, action=f"{DIAL_PATH}?n={action['step']}", method="POST",
                          timeout=action.get("timeout", 20))
        elif "dial" in action:
            # A person: the caller waits in the queue (hearing their place at the wait URL) until an agent
            # takes them; how they left comes back to the dial URL as QueueResult (web/voice.py).
            response.enqueue(queue_name(settings), action=f"{DIAL_PATH}?n={action['step']}", method="POST",
                             wait_url=QUEUE_WAIT_PATH, wait_url_method="POST")
        elif "hangup" in action:
            response.hangup()
    for say in pending:
        _say(response, settings, say["say"], say["language"])
    return str(response)


def apology(settings: Settings, texts: dict[str, dict[str, str]], *, agent_open: bool,
            hours: dict[str, str] | None) -> str:
    """The answer when anything inside failed: sorry in both languages, then a person or a polite end.

    `texts` are the flow's `failure` and `transferring` texts; plain words stand in if even those are gone.
    """
    failure = texts.get("failure") or {"zh-CN": "对不起，系统暂时出现故障。", "en": "Sorry, something went wrong."}
    response = VoiceResponse()
    for language in ("zh-CN", "en"):
        _say(response, settings, failure.get(language, ""), language)
    if agent_open:
        transferring = texts.get("transferring") or {}
        for language in ("zh-CN", "en"):
            _say(response, settings, transferring.get(language, ""), language)
        response.dial(settings.agent_number, timeout=20)
    if hours:
        _say(response, settings, hours.get("zh-CN", ""), "zh-CN")
        _say(response, settings, hours.get("en", ""), "en")
    response.hangup()
    return str(response)
