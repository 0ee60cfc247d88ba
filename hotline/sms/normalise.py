"""Turn what people really type into one canonical form before the keyword grammar looks at it.

Phones send full-width letters (`ｗｚ`), Chinese punctuation (`违法，闽D·12345。`), the display dot of a plate,
stray spaces and the occasional invisible character pasted from a chat app. After `normalise` a text is
upper case ASCII letters and digits, Chinese characters, and single spaces between words.
"""

from __future__ import annotations

import re
import unicodedata

# Twilio concatenates long texts up to 1,600 characters; anything longer is not a keyword.
MAX_LENGTH = 1600

# Characters that separate words: ASCII and Chinese punctuation, brackets, quotes, dashes. NFKC already
# turned the full-width forms (，！？：；（）) into ASCII; the rest are CJK punctuation with no ASCII twin.
_SEPARATORS = re.compile(
    r"[\s!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~"
    r"\u3000-\u303f"  # CJK symbols and punctuation: 、。〈〉《》「」『』【】〔〕〖〗〜
    r"\u2010-\u2027\u2030-\u205e"  # dashes, quotes “ ” ‘ ’, ellipsis, bullets, primes
    r"\ufe10-\ufe6f"  # vertical and small forms
    r"\u00a1-\u00bf\u00d7\u00f7"  # Latin-1 punctuation and signs (· is here)
    r"\u30fb\u2219\u22c5\u25cf\u25aa"  # katakana middle dot, bullet operators, black circles
    r"]+"
)
# Invisible characters a copy and paste brings along; they must neither split nor join words.
_INVISIBLE = re.compile(r"[\u200b-\u200f\u2060-\u2064\ufeff\u00ad]")
_ALLOWED_CONTROLS = {"\t", "\n", "\r"}


def has_control_characters(text: str) -> bool:
    """True for C0/C1 control characters other than tab and line breaks (never part of a real text)."""
    return any(unicodedata.category(ch) == "Cc" and ch not in _ALLOWED_CONTROLS for ch in text)


def normalise(text: str) -> str:
    """NFKC, upper case, punctuation and display dots to spaces, runs of spaces collapsed, trimmed."""
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text)
    text = text.upper()
    text = _SEPARATORS.sub(" ", text)
    return " ".join(text.split())
