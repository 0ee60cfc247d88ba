"""The SMS provider's error codes the hotline acts on (Twilio's numbering).

`gateway/twilio.py` reads them as integers from the provider's answer; an attempt stores them as text
(`notice_attempt.error_code`), so the text forms are derived here, not written a second time.
"""

from __future__ import annotations

STOPPED_CODE = 21610  # the recipient replied STOP to the provider
THROTTLE_CODES = frozenset({20429, 14107})  # too many requests: nothing was created, try again later

STOPPED = str(STOPPED_CODE)
THROTTLE_CODE_TEXTS = tuple(sorted(str(code) for code in THROTTLE_CODES))
