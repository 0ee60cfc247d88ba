"""Announcements (公告 / 公布) from the upstream, and the numbers that subscribed to them by SMS.

An announcement's `area` is a 6-digit region code or `all`. A region code covers the codes below it: a
province code (`350000`) covers its cities and districts, a city code (`350200`) its districts. A
subscriber keeps one area per number (the last `GG` wins); `province` and `city` are that area's first 2
and 4 digits, stored so that a broadcast finds its subscribers with equality lookups on an index.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class Announcement(Base):
    __tablename__ = "announcement"

    id: Mapped[int] = mapped_column(primary_key=True)
    announcement_id: Mapped[str] = mapped_column(String(60), unique=True)
    kind: Mapped[str] = mapped_column(String(12))  # notice (公告) | publication (公布)
    area: Mapped[str] = mapped_column(String(6), index=True)  # 6-digit region code or "all"
    title: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column()
    valid_until: Mapped[datetime] = mapped_column(index=True)
    upstream_updated_at: Mapped[datetime | None] = mapped_column()
    modified_at: Mapped[datetime] = mapped_column()


class AnnouncementSubscription(Base):
    """One number's subscription; kept (inactive) after `GG TD` so its id, the notices' subject, stays."""

    __tablename__ = "announcement_subscription"
    __table_args__ = (
        Index("ix_announcement_subscription_area", "active", "area"),
        Index("ix_announcement_subscription_city", "active", "city"),
        Index("ix_announcement_subscription_province", "active", "province"),
    )

    # A broadcast may reach millions: big ids, and SQLite only auto-increments a plain INTEGER key.
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), unique=True)  # E.164
    area: Mapped[str] = mapped_column(String(6))
    city: Mapped[str] = mapped_column(String(4))
    province: Mapped[str] = mapped_column(String(2))
    language: Mapped[str] = mapped_column(String(5), default="zh-CN")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    source: Mapped[str] = mapped_column(String(10), default="sms")
    subscribed_at: Mapped[datetime] = mapped_column()
    modified_at: Mapped[datetime] = mapped_column()
