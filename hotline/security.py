"""PIN hashing: a slow, salted hash keyed with a pepper from the environment.

A 6-digit PIN has only a million values, so a fast hash of it is no protection at all. Two things make the
stored form worth something: the pepper (HOTLINE_PIN_PEPPER) never lives in the database, so a stolen
database alone cannot be searched; and scrypt makes each guess cost tens of milliseconds, so a thief holding
both still pays hours per person. The cost parameters travel inside the stored string, so they can be raised
later without invalidating the PINs already stored.

Stored form: ``scrypt$<n>$<r>$<p>$<salt, base64>$<hash, base64>``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
HASH_BYTES = 32


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _derive(secret: str, pepper: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    # The pepper keys an HMAC first, so the scrypt input is unknown to anyone without the pepper.
    keyed = hmac.new(pepper.encode("utf-8"), secret.encode("utf-8"), hashlib.sha256).digest()
    return hashlib.scrypt(keyed, salt=salt, n=n, r=r, p=p, maxmem=128 * r * n * p + 1024 * 1024, dklen=HASH_BYTES)


def hash_pin(pin: str, pepper: str) -> str:
    """The stored form of `pin` (also usable for any short secret such as a one-time code)."""
    salt = os.urandom(SALT_BYTES)
    digest = _derive(pin, pepper, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def check_pin(pin: str, pepper: str, stored: str | None) -> bool:
    """Whether `pin` matches the stored form; False for a missing or unreadable stored form."""
    if not stored:
        return False
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = _derive(pin, pepper, base64.b64decode(salt), int(n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)
