"""Copies of voice answers sent by text (`sms_templates/*/texts/`), through signed webhooks, in both languages."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hotline.db import Notice
from tests import factories as f
from tests.e2e.test_spoken_wording import main_menu
from tests.e2e.voice_world import PIN


def copies(app, phone: str) -> list[str]:
    """The bodies of the answer copies (X02) texted to `phone`, oldest first."""
    rt = app.extensions["hotline"]
    with rt.transaction(read_only=True) as session:
        return list(session.scalars(select(Notice.body).where(Notice.kind == "X02", Notice.phone == phone)
                                    .order_by(Notice.id)))


@pytest.mark.parametrize("english", [False, True], ids=["zh", "en"])
def test_the_text_copy_of_a_long_term_licence_says_so_not_until_long_term(app, world, dial, english):
    someone = f.person(pin=PIN, account="internet", language="en" if english else "zh-CN")
    world.store(someone, f.licence(someone, valid_until=None))
    call, _ = main_menu(dial, someone["phone"], english)
    call.press("2")
    call.press("8")
    [body] = copies(app, someone["phone"])
    if english:
        assert "valid with no expiry date" in body and "long-term" not in body and "until no" not in body
    else:
        assert "长期有效" in body and "有效期至长期" not in body
