"""The SMS door: keyword texts in, replies out (channel logic only; the business core is hotline.services).

normalise (what phones send, made canonical) -> grammar (`parse(text) -> Command`, pure, never raises) ->
handler (who is texting, the keyword, the services) -> hotline.replies (templates, 4 segments, pages, shared
with the voice menu's text copies); with conversation (10-minute choices, confirmations, shared-number
choice in Redis), ratelimit and optout.
"""
