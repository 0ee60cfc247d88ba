"""Copies of voice answers sent by text (`sms_templates/*/texts/`), through signed webhooks, in both languages."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from hotline.db import Notice
from hotline.domain.segments import segments
from tests import factories as f
from tests.e2e.test_spoken_wording import main_menu
from tests.e2e.voice_world import PIN
from tests.sms.helpers import text


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


LONG_PLACE = "厦门市湖里区枋湖北二路与金湖路交叉口往金山方向约一百五十米"
LONG_OFFENCE = "驾驶中型以上载客载货汽车、危险物品运输车辆以外的其他机动车行驶超过规定时速10%未达20%的"


def many_violations(someone: dict, n: int) -> list[dict]:
    car = f.vehicle(someone)
    return [car, *(f.violation(car, location=LONG_PLACE, description=LONG_OFFENCE, code="1352", points=0,
                               fine_cny=50, occurred_at=f"2026-11-{day:02d}T08:15:00+08:00")
                   for day in range(1, n + 1))]


@pytest.mark.parametrize("english", [False, True], ids=["zh", "en"])
def test_the_text_copy_of_many_violations_keeps_to_4_segments_and_says_how_to_get_the_rest(app, world, dial,
                                                                                           english):
    someone = f.person(pin=PIN, account="internet")
    world.store(someone, *many_violations(someone, 12))
    call, _ = main_menu(dial, someone["phone"], english)
    call.press("1")
    call.press("8")
    [body] = copies(app, someone["phone"])
    assert segments(body) <= 4, (segments(body), body)
    assert "…" not in body and "..." not in body
    assert LONG_OFFENCE[:-1] in body and LONG_PLACE in body  # whole, never cut
    if english:
        assert "12 traffic violations on record" in body and "more not listed: reply WZ" in body
    else:
        assert "您共有12条交通违法记录" in body and "未列出，回复WZ查看全部" in body


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_a_wz_reply_never_cuts_a_place_or_offence_the_rest_goes_to_the_next_page(client, settings, session,
                                                                                  language):
    someone = f.person(account="internet", language=language)
    f.store(session, someone, *many_violations(someone, 3))
    # Follow the replies' own "for more" as a texter would, page after page (how many items fit a page
    # depends on the language and on the hints below the list).
    more = re.compile(r"Reply WZ (\d+) for more" if language == "en" else r"回复WZ (\d+)查看更多")
    replies = [text(client, settings, someone["phone"], "WZ")]
    while (page := more.search(replies[-1])) and len(replies) < 4:
        replies.append(text(client, settings, someone["phone"], f"WZ {page[1]}"))
    assert len(replies) > 1, replies[0]
    for reply in replies:
        assert segments(reply) <= 4 and "…" not in reply and ".." not in reply
        assert LONG_OFFENCE[:-1] in reply and LONG_PLACE in reply
    numbers = re.findall(r"(?:^|】)(\d+)\.", "\n".join(replies), re.MULTILINE)
    assert numbers == ["1", "2", "3"], replies
