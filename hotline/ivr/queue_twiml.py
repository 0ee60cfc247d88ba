"""TwiML for the voice queue and for callbacks, with the twilio library's VoiceResponse; the words come
from the flow's texts (ivr_flows/main.yaml), in the caller's language.

- `wait`: what a caller in the queue hears at each request of the wait URL: their place, the expected
  wait, and 1 to leave the queue and be called back, inside a Gather that waits about 45 s for the key
  before Twilio asks the wait URL again (so the words repeat about every 45 s).
- `left_for_callback`: the confirmation, then `<Leave/>` (Twilio then asks the Enqueue's action URL).
- `agent_leg`: the agent's side of "take next": `<Dial><Queue>` connects them to the caller at the front.
- `connecting`: said to the caller just before the agent is on the line (`<Queue url>`).
- `callback_connect`: a citizen called back picks up: a word of who calls, then the agent is dialled.
"""

from __future__ import annotations

from twilio.twiml.voice_response import Dial, Gather, VoiceResponse

from ..config import Settings
from .engine import render_text
from .loader import Flow
from .twiml import _say, queue_name

KEY_PATH = "/voice/queue/key"
CONNECTED_PATH = "/voice/queue/connected"
# The Gather waits this long for the 1 after the words; then Twilio asks the wait URL again, so a caller
# hears their place about every 45 seconds.
REPEAT_SECONDS = 40


def _text(flow: Flow, language: str, key: str, **variables) -> str:
    return render_text(flow, language, flow.texts[key][language], **variables)


def wait(settings: Settings, flow: Flow, language: str, position: int, expected_seconds: int | None) -> str:
    minutes = -(-expected_seconds // 60) if expected_seconds else None  # whole minutes, rounded up
    response = VoiceResponse()
    gather = Gather(
        input="dtmf", num_digits=1, action=KEY_PATH, method="POST", timeout=REPEAT_SECONDS, action_on_empty_result=False
    )
    _say(gather, settings, _text(flow, language, "queue_wait", position=max(position, 1), minutes=minutes), language)
    response.append(gather)
    return str(response)


def left_for_callback(settings: Settings, flow: Flow, language: str, key: str, **variables) -> str:
    response = VoiceResponse()
    _say(response, settings, _text(flow, language, key, **variables), language)
    response.leave()
    return str(response)


def say_then_wait(settings: Settings, flow: Flow, language: str, key: str) -> str:
    """A word, then back to the wait URL (Twilio asks it again and the caller keeps their place)."""
    response = VoiceResponse()
    _say(response, settings, _text(flow, language, key), language)
    return str(response)


def agent_leg(settings: Settings, entry_id: int) -> str:
    response = VoiceResponse()
    dial = Dial(timeout=20)
    dial.queue(queue_name(settings), url=f"{CONNECTED_PATH}?entry={entry_id}", method="POST")
    response.append(dial)
    return str(response)


def connecting(settings: Settings, flow: Flow, language: str) -> str:
    response = VoiceResponse()
    _say(response, settings, _text(flow, language, "queue_connecting"), language)
    return str(response)


def callback_connect(settings: Settings, flow: Flow, language: str, agent_number: str, action: str) -> str:
    """`action` hears how the Dial ended (DialCallStatus): only an agent who answered makes the callback done."""
    response = VoiceResponse()
    _say(response, settings, _text(flow, language, "callback_connecting"), language)
    response.dial(agent_number, timeout=30, action=action, method="POST")
    return str(response)


def hang_up() -> str:
    response = VoiceResponse()
    response.hangup()
    return str(response)


def hold() -> str:
    """A pause and nothing else, for a wait request we cannot place (no CallSid of Twilio's shape): the
    caller keeps their place and Twilio asks the wait URL again after it."""
    response = VoiceResponse()
    response.pause(length=REPEAT_SECONDS)
    return str(response)
