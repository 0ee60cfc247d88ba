"""Baseline 3: the hotline's three measured routes written on the drivers alone, the least that can be done.

No ORM, no SQLAlchemy, no flow engine, no templates: redis-py, and sqlite3 or psycopg with one connection
per thread (autocommit, as the hotline's read-only units of work on PostgreSQL). Flask and the `twilio`
library stay: every Twilio webhook has a web layer, a signature to check (against HOTLINE_PUBLIC_URL +
path + query, as the hotline) and TwiML to build. Each route does the same work as the hotline's, on the
same keys and rows, and answers TwiML of about the same size:

- `POST /voice/incoming` (the IVR main menu: a new call): read the call's state from Redis (one round
  trip), write the new state and the answer to step 0 (one round trip), answer the greeting in a Gather.
- `POST /voice/step` (the licence step: a verified call at the main menu pressing 2): read the call's
  state (the hotline's own key), the licence row of the person in it, write the state with the licence and
  the answer (one round trip), answer the licence's facts in a Gather.
- `POST /sms/incoming` (`WZ`): count the text against the per-number limit (one EVALSHA, its own keys so
  that the hotline's limit is not used up), read who has the number (persons and organisations, the
  number's language, one query) and that person's violations (of their vehicles and as the driver, one
  query), answer them in one Message.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from datetime import date
from urllib.parse import urlsplit

import psycopg
import redis
from flask import Flask, Response, request
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse

from hotline.config import Settings

settings = Settings.from_env()
validator = RequestValidator(settings.twilio_auth_token)
connection = redis.Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2)
PREFIX = settings.rq_queue_prefix
TTL = settings.call_state_ttl_seconds
app = Flask(__name__)

_COUNT = connection.register_script(
    "local count = redis.call('INCR', KEYS[1]) redis.call('EXPIRE', KEYS[1], ARGV[1]) return count"
)
_SAVE = connection.register_script(
    "redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[4]) redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])"
    " redis.call('EXPIRE', KEYS[2], ARGV[4])"
)

# -- the database, through its driver ---------------------------------------------------------------
_url = settings.database_url
SQLITE = _url.startswith("sqlite")
_local = threading.local()


def db():
    """This thread's connection (gunicorn's gthread workers answer on 2 threads)."""
    found = getattr(_local, "connection", None)
    if found is None:
        if SQLITE:
            found = sqlite3.connect(_url.split("///", 1)[1], isolation_level=None, check_same_thread=False)
            found.execute("PRAGMA busy_timeout = 30000")
        else:
            parts = urlsplit(_url)
            found = psycopg.connect(parts._replace(scheme="postgresql").geturl(), autocommit=True)
        _local.connection = found
    return found


def query(sql: str, *params) -> list[tuple]:
    if SQLITE:
        return db().execute(sql.replace("%s", "?"), params).fetchall()
    return db().execute(sql, params).fetchall()


LICENCE = "SELECT classes, status, valid_until, points, first_issued FROM licence WHERE person_id = %s"
PARTIES = """
    SELECT 0 AS rank, id, name, account, language, (SELECT language FROM phone_preference WHERE phone = %s)
      FROM person WHERE phone = %s
    UNION ALL
    SELECT 1, id, name, 'window', language, NULL FROM organisation WHERE phone = %s
    ORDER BY 1, 2"""
VIOLATIONS = """
    SELECT v.occurred_at, v.location, v.description, v.fine_fen, v.points, v.handled, v.paid, v.revoked,
           h.plate
      FROM violation v JOIN vehicle h ON h.id = v.vehicle_id
     WHERE v.id IN (SELECT id FROM violation WHERE vehicle_id IN (SELECT id FROM vehicle WHERE owner_person_id = %s)
                    UNION ALL
                    SELECT id FROM violation
                     WHERE driver_id_number = (SELECT id_number FROM person WHERE id = %s))
     ORDER BY v.handled, v.occurred_at DESC, v.ref"""


def _day(value) -> str:
    if value is None:
        return "长期"
    value = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return f"{value.year}年{value.month}月{value.day}日"


# -- the routes -------------------------------------------------------------------------------------
def _signed() -> bool:
    query_string = request.query_string.decode("utf-8")
    url = settings.public_url.rstrip("/") + request.path + (f"?{query_string}" if query_string else "")
    return validator.validate(url, request.form.to_dict(), request.headers.get("X-Twilio-Signature", ""))


def _key(sid: str, part: str) -> str:
    return f"{PREFIX}:ivr:call:{sid}:{part}"


def _gather(step: int, text: str, english: str = "") -> str:
    response = VoiceResponse()
    gather = response.gather(
        action=f"/voice/step?n={step}",
        action_on_empty_result=True,
        finish_on_key="",
        input="dtmf",
        method="POST",
        num_digits=1,
        timeout=6,
    )
    gather.say(text, language="cmn-CN", voice="Polly.Zhiyu")
    if english:
        gather.say(english, language="en-US", voice="Polly.Joanna")
    return str(response)


def _answer(sid: str, step: int, state: dict, answer: str) -> Response:
    _SAVE(
        keys=[_key(sid, "state"), _key(sid, "answers")],
        args=[json.dumps(state, ensure_ascii=False), str(step), answer, TTL],
    )
    return Response(answer, mimetype="application/xml")


@app.post("/voice/incoming")
def incoming():
    if not _signed():
        return Response("invalid signature\n", status=403)
    sid = request.form["CallSid"]
    state = json.loads(connection.get(_key(sid, "state")) or "{}")
    state.update(caller=request.form["From"], node="language", step=1, vars={})
    return _answer(
        sid,
        0,
        state,
        _gather(1, "您好，欢迎致电交管幺二幺二三服务热线。继续普通话服务请按1。", "For English, press 9."),
    )


@app.post("/voice/step")
def step():
    if not _signed():
        return Response("invalid signature\n", status=403)
    sid, number = request.form["CallSid"], int(request.args["n"])
    state = json.loads(connection.get(_key(sid, "state")))
    [(classes, status, valid_until, points, first_issued)] = query(LICENCE, state["vars"]["party"]["id"])
    classes = json.loads(classes) if isinstance(classes, str) else classes
    text = (
        f"您的驾驶证准驾车型{'、'.join(classes)}，状态{status}，有效期至{_day(valid_until)}。"
        f"本记分周期自{_day(first_issued)}起，已记{points}分。发送短信请按8，返回上级请按井号键。"
    )
    state["vars"]["licence"] = {"classes": classes, "status": status, "valid_until": str(valid_until), "points": points}
    state.update(node="licence_info", step=number + 1)
    return _answer(sid, number, state, _gather(number + 1, text))


@app.post("/sms/incoming")
def sms():
    if not _signed():
        return Response("invalid signature\n", status=403)
    phone = request.form["From"]
    window = int(time.time()) // settings.sms_query_window_seconds
    if (
        _COUNT(
            keys=[f"{PREFIX}:bench-drivers:sms:{phone}:rate:{window}"], args=[settings.sms_query_window_seconds + 60]
        )
        > settings.sms_query_limit
    ):
        return Response(str(MessagingResponse()), mimetype="text/xml")
    parties = query(PARTIES, phone, phone, phone)
    if not parties or parties[0][3] == "none":  # the account level, as the hotline checks it
        response = MessagingResponse()
        response.message(f"{settings.sms_signature}您的账户尚未实名注册，不能通过短信办理此业务。")
        return Response(str(response), mimetype="text/xml")
    rows = query(VIOLATIONS, parties[0][1], parties[0][1])
    open_rows = [row for row in rows if not (row[6] or row[7])]
    lines = [
        f"{settings.sms_signature}违法{len(rows)}条，未处理{sum(1 for row in rows if not row[5])}条，"
        f"待缴{sum(row[3] for row in open_rows) // 100}元。"
    ]
    for i, (occurred, location, description, fine, points, handled, paid, _revoked, plate) in enumerate(rows[:2]):
        lines.append(
            f"{i + 1}.{plate} {_day(occurred)} {location} {description} 罚款{fine // 100}元 "
            f"{f'记{points}分' if points else '不记分'} {'已缴款' if paid else '已处理' if handled else '未处理'}"
        )
    response = MessagingResponse()
    response.message("\n".join(lines))
    return Response(str(response), mimetype="text/xml")
