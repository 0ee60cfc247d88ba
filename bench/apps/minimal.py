"""Baseline 2: the least a real webhook must do, with the hotline's own settings and connections.

Signature check, one Redis GET and SETEX (call state), one primary-key SELECT, TwiML from the builder.
The hotline's routes are measured against this.
"""

from flask import Flask, Response, request
from sqlalchemy import select
from twilio.request_validator import RequestValidator
from twilio.twiml.voice_response import VoiceResponse

from hotline.config import Settings
from hotline.db import Person
from hotline.runtime import Runtime

settings = Settings.from_env()
runtime = Runtime.from_settings(settings)
validator = RequestValidator(settings.twilio_auth_token)
app = Flask(__name__)


@app.post("/voice/incoming")
@app.post("/sms/incoming")
def minimal():
    url = settings.public_url.rstrip("/") + request.path
    if not validator.validate(url, request.form.to_dict(), request.headers.get("X-Twilio-Signature", "")):
        return Response("invalid signature", status=403)
    key = f"bench:call:{request.form.get('CallSid') or request.form.get('MessageSid')}"
    state = runtime.redis.get(key)
    runtime.redis.setex(key, 3600, state or b"{}")
    with runtime.sessions() as session:
        person = session.execute(select(Person.name).where(Person.id == 1)).first()
    response = VoiceResponse()
    response.say("您好" if person else "你好", language="cmn-CN")
    return Response(str(response), mimetype="text/xml")
