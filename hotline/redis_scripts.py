"""Lua scripts on Redis: one round trip, atomic, and far less client work than a MULTI pipeline.

redis-py's `register_script` encodes and hashes the text each time it is called; `script` keeps the
registered object per client, so a webhook only sends EVALSHA (the script reaches Redis once).
"""

from __future__ import annotations

import weakref

import redis
from redis.commands.core import Script

_registered: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def script(conn: redis.Redis, text: str) -> Script:
    made = _registered.setdefault(conn, {})
    if text not in made:
        made[text] = conn.register_script(text)
    return made[text]
