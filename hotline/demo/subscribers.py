"""The demo's announcements, subscribers and one extension application.

Four announcements around the demo's day, one per kind of area: Lin Xiaoming's district (350203), the city
of Xiamen (350200), the province of Fujian (350000) and `all`. They are imported with the cast, before
anyone subscribes, so loading the demo sends nothing; a caller hears them under 8 -> 2 of the voice menu,
and an announcement imported later (README, "Try it") is broadcast to the subscribers:

- 林小明 (+8613800138000) subscribed with `GG`: his ID number's district, 350203;
- 王芳 (+8613800138003) subscribed to the city, 350200, in English.

陈建国 (window account, on the family phone) has a licence renewal extension waiting for the upstream, to
withdraw with `QX` or by phone, or to see granted by importing his licence with status N.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from ..clock import Clock
from ..services import announcements, identity, licence_extensions
from .cast import ENGLISH_PHONE, FAMILY_PHONE, LIN_PHONE
from .crowd import Record, stamp

SUBSCRIBERS = ((LIN_PHONE, None, "zh-CN"), (ENGLISH_PHONE, "350200", "en"))


def announcement_records(today: date, now: datetime) -> list[Record]:
    published = stamp(now - timedelta(days=1))

    def until(days: int) -> str:
        return stamp(now + timedelta(days=days))

    return [
        {"type": "announcement", "announcement_id": f"DEMO-{today:%Y%m%d}-1", "kind": "notice", "area": "350203",
         "title": "湖滨南路夜间施工交通管制", "published_at": published, "valid_until": until(30),
         "text": "即日起每日22时至次日6时，湖滨南路部分路段封闭施工，请绕行莲前西路。"},
        {"type": "announcement", "announcement_id": f"DEMO-{today:%Y%m%d}-2", "kind": "notice", "area": "350200",
         "title": "环岛路周末禁止机动车通行", "published_at": published, "valid_until": until(45),
         "text": "每周六、周日8时至18时，环岛路椰风寨至会展中心路段禁止机动车通行。"},
        {"type": "announcement", "announcement_id": f"DEMO-{today:%Y%m%d}-3", "kind": "publication",
         "area": "350000", "title": "全省严重交通违法曝光", "published_at": published, "valid_until": until(20),
         "text": "省交警总队公布本月酒驾、超速等严重交通违法车辆名单，详见交管12123App。"},
        {"type": "announcement", "announcement_id": f"DEMO-{today:%Y%m%d}-4", "kind": "notice", "area": "all",
         "title": "驾驶证电子化全面推行", "published_at": published, "valid_until": until(60),
         "text": "电子驾驶证可在交管12123App申领，与纸质驾驶证具有同等效力。"},
    ]


def subscribe_and_apply(session: Session, clock: Clock) -> list[str]:
    """The hotline-owned demo state: subscriptions and a pending extension; returns what was done."""
    done = []
    for phone, area, language in SUBSCRIBERS:
        party = next(iter(identity.identify(session, phone)), None)
        view = announcements.subscribe(session, clock, phone, area=area, party=party, language=language,
                                       source="demo")
        done.append(f"{phone[:7]}…: announcements for {view.area}")
    # 陈建国 is the one window-verified person on the family phone.
    father = next((p for p in identity.identify(session, FAMILY_PHONE) if p.account == "window"), None)
    if father is not None:
        view = licence_extensions.apply(session, clock, father, kind="renewal", reason="abroad", years=2,
                                        acknowledged=True, channel="demo")
        done.append(f"{father.name_masked}: extension {view.kind} {view.status}")
    return done
