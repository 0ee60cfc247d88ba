"""Benchmark: an announcement broadcast to 100,000 subscribers, planned in bulk SQL and sent end to end.

    python bench/broadcast.py [--subscribers 100000] [--others 20000] [--processes 2]

On PostgreSQL with a private redis-server and the loopback Twilio (status callbacks off):

1. a fresh database with the schema; `--subscribers` numbers subscribed to district 350203 and `--others`
   to other districts (written with one INSERT ... SELECT from generate_series: subscriptions are the
   hotline's own data, not upstream records);
2. planning: one `announcement` record for 350203 goes through the real ingest (`apply_records`, not a
   baseline), whose change planner plans the broadcast with one INSERT ... SELECT ... ON CONFLICT DO NOTHING;
   timed from the record's arrival to the commit;
3. sending: `flask notices send-due` and `--processes` `flask worker --burst`, exactly as the notices
   benchmark runs them (its `send_run`), timed from the dispatcher's start to the last worker's exit.

Every subscriber of 350203 must get the text exactly once and nobody else any: the loopback's record is
counted by recipient. The rate is printed beside the notice rate of bench/notices_e2e.py's last recorded
run (bench/out/results.jsonl), on the same machine: the two share the sending path, so they should be close.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select, text  # noqa: E402

from bench.common import OUT, RedisServer, env, fresh_pg_database, record, summary_line, upgrade  # noqa: E402
from bench.notices_e2e import runtime_for, send_run, settings_for  # noqa: E402

AREA = "350203"
OTHER_AREAS = ("350205", "350206", "350211", "350102")
# Numbers +8613900000000 upwards: valid mainland mobiles, distinct per subscriber.
_SUBSCRIBE = text(
    "INSERT INTO announcement_subscription (phone, area, city, province, language, active, source, "
    "subscribed_at, modified_at) "
    "SELECT '+86139' || lpad(CAST(n AS text), 8, '0'), a.area, substr(a.area, 1, 4), substr(a.area, 1, 2), "
    "'zh-CN', true, 'sms', :now, :now "
    "FROM generate_series(CAST(:first AS int), CAST(:last AS int)) AS n, "
    "LATERAL (SELECT CASE WHEN n < :split THEN :area "
    "ELSE (CAST(:others AS text[]))[1 + n % CAST(:other_count AS int)] END AS area) AS a"
)


def subscribe(rt, subscribers: int, others: int) -> float:
    started = time.perf_counter()
    with rt.transaction() as session:
        session.execute(_SUBSCRIBE, {
            "now": rt.clock.now(), "first": 0, "last": subscribers + others - 1, "split": subscribers,
            "area": AREA, "others": list(OTHER_AREAS), "other_count": len(OTHER_AREAS),
        })
        session.execute(text("ANALYZE announcement_subscription"))
    return time.perf_counter() - started


def announce(rt) -> tuple[float, int]:
    """Import one announcement for AREA through ingest; (seconds to plan and commit, notices planned)."""
    from hotline.ingest import apply_records

    now = rt.clock.now()
    record_ = {
        "type": "announcement", "announcement_id": f"BENCH-{int(time.time())}", "kind": "notice", "area": AREA,
        "title": "湖滨南路夜间施工交通管制",
        "text": "12月1日至31日每日22时至次日6时，湖滨南路部分路段封闭施工，请绕行。",
        "published_at": (now - timedelta(minutes=5)).isoformat(), "valid_until": (now + timedelta(days=30)).isoformat(),
    }
    started = time.perf_counter()
    with rt.transaction() as session:
        result = apply_records(session, [("line 1", record_)], now=now)
    elapsed = time.perf_counter() - started
    if result.errors:
        raise SystemExit(f"the announcement was refused: {result.errors}")
    return elapsed, result.planned


def last_notice_rate() -> dict | None:
    path = OUT / "results.jsonl"
    if not path.exists():
        return None
    found = None
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("benchmark") == "notices_e2e":
            found = entry
    return found


def check_once(rt, loopback, subscribers: int) -> dict:
    from hotline.db import AnnouncementSubscription, Notice

    with rt.transaction(read_only=True) as session:
        subscribed = select(AnnouncementSubscription.phone).where(AnnouncementSubscription.area == AREA)
        wanted = set(session.scalars(subscribed))
        states = dict(session.execute(select(Notice.state, func.count()).where(Notice.kind == "A01")
                                      .group_by(Notice.state)).all())
    received = Counter(m.to for m in loopback.messages())
    report = {
        "subscribers": len(wanted),
        "states": states,
        "once": sum(1 for phone in wanted if received[phone] == 1),
        "more_than_once": sum(1 for phone in wanted if received[phone] > 1),
        "missing": sum(1 for phone in wanted if received[phone] == 0),
        "outside_the_area": sum(count for phone, count in received.items() if phone not in wanted),
    }
    report["ok"] = (report["once"] == subscribers == len(wanted) and report["outside_the_area"] == 0
                    and states.get("accepted", 0) == subscribers)
    return report


def main(argv: list[str] | None = None) -> None:
    from hotline.sandbox.loopback_twilio import Loopback

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--others", type=int, default=20_000, help="subscribers of other areas, who get nothing")
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args(argv)
    loopback = Loopback(callbacks=False).start()
    try:
        with RedisServer() as redis_server:
            url = fresh_pg_database("hotline_bench_broadcast")
            settings = settings_for(url, redis_server.url, loopback.url)
            upgrade(url, env(**settings))
            rt = runtime_for(settings)
            subscribe_s = subscribe(rt, args.subscribers, args.others)
            plan_s, planned = announce(rt)
            if planned != args.subscribers:
                raise SystemExit(f"planned {planned} notices for {args.subscribers} subscribers")
            send_s, worker_rss, dispatched = send_run(settings, args.processes, fork=False)
            check = check_once(rt, loopback, args.subscribers)
            rt.engine.dispose()
    finally:
        loopback.stop()
    send_rate = args.subscribers / send_s
    notices = last_notice_rate()
    print(f"  subscribers: {args.subscribers:,} in {AREA} and {args.others:,} elsewhere, "
          f"written in {subscribe_s:.1f} s", flush=True)
    print(f"  planning: {planned:,} notices in {plan_s:.2f} s ({planned / plan_s:,.0f} rows/s, one INSERT ... SELECT)",
          flush=True)
    print(f"  sending: send-due + {args.processes} flask worker --burst: {send_rate:,.0f} texts/s "
          f"({args.subscribers:,} in {send_s:.1f} s; {dispatched})", flush=True)
    if notices is not None:
        print(f"  beside: notices end to end (bench/notices_e2e.py, {notices['args']['notices']:,} notices, "
              f"{notices.get('finished_at', '?')}): {notices['hotline_rate']:,.0f} notices/s", flush=True)
    print(f"  exactly once, only the area: {'yes' if check['ok'] else 'NO'} {check}", flush=True)
    ratio = send_rate / notices["hotline_rate"] if notices else None
    print(summary_line("announcement broadcast", send_rate, "texts/s", ratio=ratio,
                       baseline="the notice rate" if notices else "", met=check["ok"]), flush=True)
    record("broadcast", {
        "args": vars(args), "subscribe_s": round(subscribe_s, 2), "plan_s": round(plan_s, 3), "planned": planned,
        "send_s": round(send_s, 1), "send_rate": round(send_rate, 1),
        "notice_rate": notices["hotline_rate"] if notices else None, "exactly_once": check,
        "rq_worker_rss_mib": [round(k / 1024, 1) for k in worker_rss], "met": check["ok"],
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
    })
    if not check["ok"]:
        raise SystemExit("the broadcast did not reach exactly its area's subscribers once each")


if __name__ == "__main__":
    main()
