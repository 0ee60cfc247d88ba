"""Benchmark 2: notices end to end, against the bare twilio client and against one RQ job per notice.

    python bench/notices_e2e.py [--notices 100000] [--naive 5000] [--processes 2] [--repeats 2]

On PostgreSQL with a private redis-server and the loopback Twilio (status callbacks off), in one run:

1. `flask demo-data` makes the people; `--notices` due notices are planned with the bulk planner
   (`hotline.notify.planner.plan_many`), one per distinct mobile number, of a kind the upstream requests
   (D22, a renewed licence mailed, each with its own tracking number, so every text is unique).
2. the limit: the `twilio` client alone (with the hotline's rebasing HTTP client, nothing else of the hotline)
   posts the same texts, pre-rendered, to the same loopback from `--processes` processes, each keeping as many
   messages in flight as a hotline worker does (HOTLINE_SENDER_CONNECTIONS); measured before, between and
   after the hotline's runs, each run compared with the mean of the limits on either side of it;
3. the hotline: `--processes` `flask worker` processes, started and idle before the clock as a deployment's
   workers are (the limit's processes do not import anything at the start either: they are forked from this
   one), then `flask notices send-due` (the dispatcher: planned -> queued, batches of ids on RQ); the workers
   claim, re-check, render, send through the real twilio client and record every outcome; timed from the
   dispatcher's start until the database holds every notice accepted; `--repeats` runs (each with its own
   notices), the ratio their mean and the noise half the range of their ratios. `--workers-start-in-clock`
   is the method before 2026-12-04: burst workers started after the dispatcher exits, timed to the last
   one's exit, so their start-up (about 2 s of CPU each, importing the app) is inside the clock;
4. the drivers alone, after each hotline run and the limit that follows it: the same work (dispatch to
   queued and batches on Redis, claim, attempt rows, send through the twilio client, record each SID) with
   psycopg and redis-py by hand, no ORM, no RQ; the hotline's rate is also given as a ratio to it;
5. the naive design: `--naive` more notices, one RQ job per notice (HOTLINE_NOTICE_BATCH_SIZE=1) on RQ's
   forking worker (`flask worker --fork`), same number of processes, started the same way, compared as a rate.

Every notice must be accepted exactly once: the loopback's record is counted by (recipient, body) and the
database must hold each notice `accepted` with exactly one accepted attempt whose SID the loopback issued.
The RQ workers' resident memory (VmRSS) is sampled while they work; the last reading, after the run, is
benchmark 5's figure. The run sets HOTLINE_SEND_WINDOW=00:00-24:00 (so it runs at any hour) and
HOTLINE_SENDER_SEGMENTS_PER_SECOND very high (the carrier's rate is a contract setting, not the machine's).
Goals: at least 0.75 of the limit (at 100,000), at least 10 times the naive rate.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select  # noqa: E402

from bench.common import (  # noqa: E402
    OUT,
    ROOT,
    RedisServer,
    demo_database,
    env,
    record,
    spread,
    summary_line,
    vm_rss_kib,
)
from hotline.clock import CHINA  # noqa: E402

LIMIT_GOAL = 0.75
NAIVE_GOAL = 10.0
KIND = "D22"


def settings_for(url: str, redis_url: str, loopback_url: str, **extra: str) -> dict[str, str]:
    return {"HOTLINE_DATABASE_URL": url, "HOTLINE_REDIS_URL": redis_url, "HOTLINE_TWILIO_API_URL": loopback_url,
            "HOTLINE_SMS_GATEWAY": "twilio", "HOTLINE_SEND_WINDOW": "00:00-24:00",
            "HOTLINE_SENDER_SEGMENTS_PER_SECOND": "1000000", **extra}


def runtime_for(settings: dict[str, str]):
    from hotline.config import Settings
    from hotline.runtime import Runtime

    return Runtime.from_settings(Settings.from_env({**env(), **settings}))


# -- planning ---------------------------------------------------------------------------------------
def recipients(rt, count: int) -> list[tuple[int, str]]:
    """(person id, phone) for `count` people, one per distinct mobile number."""
    from hotline.db import Person
    from hotline.notify.planner import is_mobile

    with rt.transaction(read_only=True) as session:
        rows = session.execute(
            select(func.min(Person.id), Person.phone).group_by(Person.phone).order_by(func.min(Person.id))
        ).all()
    found = [(pid, phone) for pid, phone in rows if is_mobile(phone)]
    if len(found) < count:
        raise SystemExit(f"the demo data has {len(found)} distinct mobile numbers; {count} are needed")
    return found[:count]


def variables(tag: str, i: int) -> dict[str, str]:
    return {"business": "期满换证", "channel": "邮寄", "tracking": f"EMS {tag}{i:09d}", "office": "厦门市车管所"}


def plan(rt, people: list[tuple[int, str]], tag: str) -> float:
    from hotline.notify.planner import Planned, plan_many

    started = time.perf_counter()
    notices = [Planned(KIND, "person", pid, f"request:bench-{tag}-{i}", "person", pid, variables(tag, i))
               for i, (pid, _) in enumerate(people)]
    with rt.transaction() as session:
        created = plan_many(session, notices, now=rt.clock.now())
    if created != len(notices):
        raise SystemExit(f"planned {created} of {len(notices)} notices")
    return time.perf_counter() - started


# -- the limit --------------------------------------------------------------------------------------
def _post_all(base_url: str, messages: list[tuple[str, str]], connections: int, out: mp.Queue) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from twilio.rest import Client

    from hotline.config import DEV_TWILIO_ACCOUNT_SID, DEV_TWILIO_AUTH_TOKEN, Settings
    from hotline.gateway.twilio import RebasedHttpClient

    settings = Settings()
    http = RebasedHttpClient(base_url, timeout=settings.twilio_timeout_seconds, pool_size=max(2, connections))
    client = Client(DEV_TWILIO_ACCOUNT_SID, DEV_TWILIO_AUTH_TOKEN, http_client=http)
    callback = settings.public_url.rstrip("/") + "/sms/status"

    def create(message: tuple[str, str]) -> None:
        to, body = message
        client.messages.create(to=to, from_=settings.twilio_from_number, body=body, status_callback=callback)

    # As many messages in flight as a hotline worker keeps (its `sender_connections`), over as many connections.
    with ThreadPoolExecutor(max_workers=max(1, connections)) as pool:
        created = sum(1 for _ in pool.map(create, messages))
    out.put(created)


def limit_run(base_url: str, messages: list[tuple[str, str]], processes: int, connections: int) -> float:
    """Seconds for `processes` processes of the bare twilio client, `connections` messages in flight in each,
    to post `messages`."""
    queue: mp.Queue = mp.Queue()
    shares = [messages[p::processes] for p in range(processes)]
    started = time.perf_counter()
    workers = [mp.Process(target=_post_all, args=(base_url, share, connections, queue)) for share in shares]
    for worker in workers:
        worker.start()
    created = sum(queue.get() for _ in workers)
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    if created != len(messages):
        raise SystemExit(f"the bare client created {created} of {len(messages)} messages")
    return elapsed


# -- the drivers alone ------------------------------------------------------------------------------
# The least that can be done for the same work, with nothing of the hotline's (no ORM, no RQ, no Flask):
# psycopg and redis-py by hand. A dispatcher moves the notices to `queued` and pushes batches of ids on a Redis
# list; each process pops a batch, claims it with one UPDATE ... RETURNING and writes the attempts with one
# INSERT, sends each text through the twilio client (the same rebasing HTTP client and messages in flight as
# the limit), then records the SIDs with two UPDATEs. The texts are rendered before the clock starts (stored
# in the rows), as the limit's are; no window, cap, opt-out or re-check.
_DRIVERS_CLAIM = (
    "UPDATE notice SET state = 'claimed', claimed_at = now(), attempt_count = attempt_count + 1 "
    "WHERE id = ANY(%s) AND state = 'queued' RETURNING id, phone, body, attempt_count"
)
_DRIVERS_ATTEMPTS = (
    "INSERT INTO notice_attempt (notice_id, number, state, started_at) "
    "SELECT id, number, 'claimed', now() FROM unnest(%s::bigint[], %s::int[]) AS v(id, number) "
    "RETURNING notice_id, id"
)
_DRIVERS_ACCEPT_ATTEMPTS = (
    "UPDATE notice_attempt SET state = 'accepted', provider_sid = v.sid, provider_status = v.status "
    "FROM unnest(%s::bigint[], %s::text[], %s::text[]) AS v(id, sid, status) WHERE notice_attempt.id = v.id"
)
_DRIVERS_ACCEPT = "UPDATE notice SET state = 'accepted', accepted_at = now() WHERE id = ANY(%s) AND state = 'claimed'"


def _pg_dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def _drivers_worker(dsn: str, redis_url: str, key: str, base_url: str, connections: int, out: mp.Queue) -> None:
    import json
    from concurrent.futures import ThreadPoolExecutor

    import psycopg
    import redis
    from twilio.rest import Client

    from hotline.config import DEV_TWILIO_ACCOUNT_SID, DEV_TWILIO_AUTH_TOKEN, Settings
    from hotline.gateway.twilio import RebasedHttpClient

    settings = Settings()
    http = RebasedHttpClient(base_url, timeout=settings.twilio_timeout_seconds, pool_size=max(2, connections))
    client = Client(DEV_TWILIO_ACCOUNT_SID, DEV_TWILIO_AUTH_TOKEN, http_client=http)
    callback = settings.public_url.rstrip("/") + "/sms/status"
    queue = redis.Redis.from_url(redis_url)
    accepted = 0

    def create(row: tuple) -> tuple:
        attempt_id, phone, body = row
        message = client.messages.create(to=phone, from_=settings.twilio_from_number, body=body,
                                         status_callback=f"{callback}?attempt={attempt_id}")
        return attempt_id, message.sid, message.status

    with psycopg.connect(dsn) as connection, ThreadPoolExecutor(max_workers=max(1, connections)) as pool:
        while (item := queue.lpop(key)) is not None:
            with connection.transaction():
                claimed = connection.execute(_DRIVERS_CLAIM, (json.loads(item),)).fetchall()
                attempts = dict(connection.execute(
                    _DRIVERS_ATTEMPTS, ([r[0] for r in claimed], [r[3] for r in claimed])).fetchall())
            answers = list(pool.map(create, [(attempts[r[0]], r[1], r[2]) for r in claimed]))
            with connection.transaction():
                connection.execute(_DRIVERS_ACCEPT_ATTEMPTS, ([a[0] for a in answers], [a[1] for a in answers],
                                                              [a[2] for a in answers]))
                connection.execute(_DRIVERS_ACCEPT, ([r[0] for r in claimed],))
            accepted += len(answers)
    out.put(accepted)


def drivers_run(url: str, redis_url: str, base_url: str, tag: str, texts: list[tuple[str, str]], processes: int,
                connections: int, batch: int) -> float:
    """Seconds for the drivers-only design to dispatch and send this run's notices (planned, texts stored)."""
    import json

    import psycopg
    import redis

    dsn = _pg_dsn(url)
    key = f"bench:drivers:{tag}"
    with psycopg.connect(dsn) as connection:
        # Before the clock: the rendered texts go into the rows (the hotline renders them in its claim).
        connection.execute(
            "UPDATE notice SET body = v.body FROM unnest(%s::text[], %s::text[]) AS v(occasion, body) "
            "WHERE notice.occasion = v.occasion",
            ([f"request:bench-{tag}-{i}" for i in range(len(texts))], [body for _, body in texts]),
        )
    queue: mp.Queue = mp.Queue()
    started = time.perf_counter()
    with psycopg.connect(dsn) as connection:
        ids = [row[0] for row in connection.execute(
            "UPDATE notice SET state = 'queued' WHERE state = 'planned' AND occasion LIKE %s RETURNING id",
            (f"request:bench-{tag}-%",))]
    ids.sort()
    redis.Redis.from_url(redis_url).rpush(key, *[json.dumps(ids[i:i + batch]) for i in range(0, len(ids), batch)])
    workers = [mp.Process(target=_drivers_worker, args=(dsn, redis_url, key, base_url, connections, queue))
               for _ in range(processes)]
    for worker in workers:
        worker.start()
    accepted = sum(queue.get() for _ in workers)
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    if accepted != len(texts):
        raise SystemExit(f"the drivers-only design accepted {accepted} of {len(texts)} notices")
    return elapsed


# -- the hotline and the naive design ---------------------------------------------------------------
def send_run(settings: dict[str, str], processes: int, *, fork: bool, finished=None,
             warm: bool = True) -> tuple[float, list[int], str]:
    """`flask notices send-due` and `processes` workers; (seconds, last VmRSS KiB of each, dispatcher's output).

    `warm` (the default): the workers are started and idle before the clock, as a deployment's workers are
    (they run all day); the clock runs from the dispatcher's start until `finished()` says every notice of the
    run is recorded. Otherwise (the method before 2026-12-04): burst workers started after the dispatcher
    exits, the clock stopping when the last one exits, so their start-up (importing the app) is inside it."""
    environment = env(**settings)
    command = ["flask", "worker"] + ([] if warm else ["--burst"]) + (["--fork"] if fork else [])
    OUT.mkdir(parents=True, exist_ok=True)
    logs = [(OUT / f"notices-worker-{'fork' if fork else 'batch'}-{n}.log").open("w") for n in range(processes)]
    last_rss = [0] * processes

    def sample(workers: list[subprocess.Popen]) -> None:
        for n, worker in enumerate(workers):
            if worker.poll() is None:
                last_rss[n] = vm_rss_kib(worker.pid) or last_rss[n]

    def start_workers() -> list[subprocess.Popen]:
        return [subprocess.Popen(command, cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT)
                for log in logs]

    workers: list[subprocess.Popen] = []
    try:
        if warm:
            workers = start_workers()
            _wait_for_idle_workers(settings["HOTLINE_REDIS_URL"], processes, workers)
        started = time.perf_counter()
        dispatched = subprocess.run(["flask", "notices", "send-due"], cwd=ROOT, env=environment,
                                    capture_output=True, text=True)
        if dispatched.returncode != 0:
            raise SystemExit(f"flask notices send-due failed: {dispatched.stdout}{dispatched.stderr}")
        if warm:
            # Sample each worker's resident memory while it works; the last reading is its size after the run.
            while not finished():
                sample(workers)
                if any(worker.poll() is not None for worker in workers):
                    raise SystemExit("a worker exited during the run; see bench/out/notices-worker-*.log")
                time.sleep(0.02)
            elapsed = time.perf_counter() - started
            sample(workers)
        else:
            workers = start_workers()
            while any(worker.poll() is None for worker in workers):
                sample(workers)
                time.sleep(0.05)
            elapsed = time.perf_counter() - started
            failed = [w.returncode for w in workers if w.returncode != 0]
            if failed:
                raise SystemExit(f"a worker exited with {failed}; see bench/out/notices-worker-*.log")
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.terminate()  # RQ's warm shutdown: the job in hand (none, by now) is finished first
        for worker in workers:
            worker.wait(timeout=60)
        for log in logs:
            log.close()
    return elapsed, last_rss, dispatched.stdout.strip()


def _wait_for_idle_workers(redis_url: str, processes: int, workers: list[subprocess.Popen]) -> None:
    """Until `processes` RQ workers have registered and are waiting for work (each has imported the app)."""
    import redis
    from rq import Worker

    connection = redis.Redis.from_url(redis_url)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if any(worker.poll() is not None for worker in workers):
            raise SystemExit("a worker exited while starting; see bench/out/notices-worker-*.log")
        # Only ours: a worker of an earlier run that died without saying goodbye stays registered a while.
        ours = {worker.pid for worker in workers}
        idle = [w for w in Worker.all(connection=connection) if w.pid in ours and w.get_state() == "idle"]
        if len(idle) >= processes:
            return
        time.sleep(0.05)
    raise SystemExit("the workers did not start within 120 s")


def finished_when(rt, loopback, tag: str, count: int, *, quiet_seconds: float = 30.0):
    """A check that the run is over: every notice of it recorded accepted (first the loopback's count of
    messages, free, in this process; then, only when it has them all, the database's count), or nothing sent
    for `quiet_seconds` (a notice failed, was skipped or waits for the sweep: `check_exactly_once` says so)."""
    from hotline.db import Notice, NoticeState

    progress = {"sent": -1, "at": time.monotonic()}

    def finished() -> bool:
        sent = loopback.message_count()
        if sent != progress["sent"]:
            progress.update(sent=sent, at=time.monotonic())
        elif time.monotonic() - progress["at"] > quiet_seconds:
            print(f"  nothing sent for {quiet_seconds:.0f} s with {sent:,} of {count:,} sent: the run stops here",
                  flush=True)
            return True
        if sent < count:
            return False
        with rt.transaction(read_only=True) as session:
            accepted = session.scalar(
                select(func.count()).select_from(Notice)
                .where(Notice.occasion.like(f"request:bench-{tag}-%"), Notice.state == NoticeState.ACCEPTED))
        return accepted >= count

    return finished


def worker_startup(settings: dict[str, str], processes: int) -> float:
    """Seconds for `processes` burst workers to start and stop on empty queues: their fixed cost."""
    environment = env(**settings)
    started = time.perf_counter()
    workers = [subprocess.Popen(["flask", "worker", "--burst"], cwd=ROOT, env=environment,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(processes)]
    for worker in workers:
        worker.wait()
    return time.perf_counter() - started


# -- exactly once -----------------------------------------------------------------------------------
def check_exactly_once(rt, loopback, tag: str, people: list[tuple[int, str]]) -> dict:
    """Every notice of this run accepted once: at the loopback by (recipient, body), and in the database."""
    from hotline.db import Notice, NoticeAttempt, NoticeState

    with rt.transaction(read_only=True) as session:
        notices = session.execute(
            select(Notice.id, Notice.phone, Notice.body, Notice.state)
            .where(Notice.occasion.like(f"request:bench-{tag}-%"))
        ).all()
        attempts = session.execute(
            select(NoticeAttempt.notice_id, NoticeAttempt.provider_sid)
            .join(Notice, Notice.id == NoticeAttempt.notice_id)
            .where(Notice.occasion.like(f"request:bench-{tag}-%"), NoticeAttempt.state == NoticeState.ACCEPTED)
        ).all()
    states = Counter(str(getattr(n.state, "value", n.state)) for n in notices)
    wanted = Counter((n.phone, n.body) for n in notices)
    seen = Counter((m.to, m.body) for m in loopback.messages() if (m.to, m.body) in wanted)
    sids = {m.sid for m in loopback.messages()}
    per_notice = Counter(a.notice_id for a in attempts)
    report = {
        "notices": len(notices),
        "states": dict(states),
        "loopback_once": sum(1 for key in wanted if seen[key] == 1),
        "loopback_twice_or_more": sum(1 for key in wanted if seen[key] > 1),
        "loopback_missing": sum(1 for key in wanted if seen[key] == 0),
        "db_accepted_once": sum(1 for n in notices if per_notice[n.id] == 1),
        "db_sids_from_loopback": sum(1 for a in attempts if a.provider_sid in sids),
    }
    report["ok"] = (len(notices) == len(people) and states.get("accepted", 0) == len(people)
                    and report["loopback_once"] == len(people) and report["db_accepted_once"] == len(people)
                    and report["db_sids_from_loopback"] == len(attempts) == len(people))
    return report


def main(argv: list[str] | None = None) -> None:
    from hotline.sandbox.loopback_twilio import Loopback

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--notices", type=int, default=100_000)
    parser.add_argument("--naive", type=int, default=5_000)
    parser.add_argument("--processes", type=int, default=2, help="RQ workers, and posting processes of the limit")
    parser.add_argument("--repeats", type=int, default=2, help="runs of the hotline, a limit run before and after each")
    parser.add_argument("--workers-start-in-clock", action="store_true",
                        help="the method before 2026-12-04: burst workers started after the dispatcher, "
                             "their start-up inside the clock")
    parser.add_argument("--people", type=int, default=0,
                        help="demo-data people (default: enough for one distinct number per notice)")
    args = parser.parse_args(argv)
    people_count = args.people or int((args.notices + args.naive) * 1.25) + 1000
    day = datetime.now(CHINA).date().isoformat()
    loopback = Loopback(callbacks=False).start()
    try:
        with RedisServer() as redis_server:
            url, load_s = demo_database("postgresql", "hotline_bench_notices", people_count, day)
            settings = settings_for(url, redis_server.url, loopback.url)
            rt = runtime_for(settings)
            people = recipients(rt, args.notices + args.naive)
            # Different people for the naive run: the hotline's runs already sent each of the first ones a text
            # per run today, and the daily cap per number would hold some naive ones back.
            main_people, naive_people = people[:args.notices], people[args.notices:args.notices + args.naive]
            plan_s = plan(rt, main_people, "main")

            # The limit: the same texts the hotline will send, rendered before the clock starts.
            from hotline.notify.notice_text import render_notice

            texts = [(phone, render_notice((KIND, variables("main", i)), "zh-CN", rt.settings))
                     for i, (_, phone) in enumerate(main_people)]
            startup_s = worker_startup(settings, args.processes)
            # The limit before, between and after the hotline's runs: the machine drifts, each run is compared
            # with the mean of the limits on either side of it, and the runs' ratios give the noise.
            connections = rt.settings.sender_connections
            limits = [len(texts) / limit_run(loopback.url, texts, args.processes, connections)]
            loopback.reset()
            runs, checks, worker_rss, dispatched = [], [], [], ""
            drivers: list[float] = []
            for repeat in range(args.repeats):
                tag = "main" if repeat == 0 else f"main{repeat + 1}"
                if repeat:
                    plan_s += plan(rt, main_people, tag)
                hotline_s, worker_rss, dispatched = send_run(
                    settings, args.processes, fork=False, warm=not args.workers_start_in_clock,
                    finished=finished_when(rt, loopback, tag, len(main_people)))
                runs.append(hotline_s)
                checks.append(check_exactly_once(rt, loopback, tag, main_people))
                loopback.reset()
                limits.append(len(texts) / limit_run(loopback.url, texts, args.processes, connections))
                loopback.reset()
                # The drivers alone, right after: notices of their own (kept out of the daily cap's count).
                drivers_tag = f"drivers{repeat + 1}"
                plan_s += plan(rt, main_people, drivers_tag)
                drivers.append(len(texts) / drivers_run(url, redis_server.url, loopback.url, drivers_tag, texts,
                                                        args.processes, connections, rt.settings.notice_batch_size))
                loopback.reset()
            check = {**checks[0], "ok": all(c["ok"] for c in checks), "runs": len(checks)}
            hotline_s = sum(runs) / len(runs)
            hotline_rate = args.notices / hotline_s
            ratios = [args.notices / seconds / ((limits[n] + limits[n + 1]) / 2) for n, seconds in enumerate(runs)]
            limit_rate = sum(limits) / len(limits)
            drivers_rate = sum(drivers) / len(drivers)
            # Each hotline run against the drivers-only run that followed it.
            drivers_ratios = [args.notices / seconds / drivers[n] for n, seconds in enumerate(runs)]

            naive_plan_s = plan(rt, naive_people, "naive")
            naive_s, _, _ = send_run({**settings, "HOTLINE_NOTICE_BATCH_SIZE": "1"}, args.processes, fork=True,
                                     warm=not args.workers_start_in_clock,
                                     finished=finished_when(rt, loopback, "naive", len(naive_people)))
            naive_rate = args.naive / naive_s
            naive_check = check_exactly_once(rt, loopback, "naive", naive_people)
            rt.engine.dispose()
    finally:
        loopback.stop()
    ratio_limit = sum(ratios) / len(ratios)
    ratio_naive = hotline_rate / naive_rate
    met = ratio_limit >= LIMIT_GOAL and ratio_naive >= NAIVE_GOAL and check["ok"] and naive_check["ok"]
    noise = (max(ratios) - min(ratios)) / 2  # half the range of the runs' ratios, in the ratio's own units
    print(f"  limit: twilio client alone, {args.processes} processes x {connections} in flight: "
          f"{limit_rate:,.0f} messages/s "
          f"({len(texts):,} messages; before, between and after the hotline's runs: "
          f"{', '.join(f'{rate:,.0f}' for rate in limits)}, +/- {spread(limits):.0%})", flush=True)
    started_how = "started in the clock" if args.workers_start_in_clock else "running before the clock"
    print(f"  hotline: send-due + {args.processes} flask workers {started_how} ({connections} in flight each): "
          f"{hotline_rate:,.0f} notices/s "
          f"(runs of {', '.join(f'{seconds:.1f}' for seconds in runs)} s, "
          f"ratios {', '.join(f'{r:.2f}' for r in ratios)}; {args.notices:,} in {hotline_s:.1f} s on average, "
          f"a worker's start and exit on empty queues takes {startup_s:.1f} s; "
          f"planning them took {plan_s:.1f} s; {dispatched})", flush=True)
    ratio_drivers = sum(drivers_ratios) / len(drivers_ratios)
    print(f"  drivers alone: psycopg + redis-py + the twilio client, {args.processes} processes x {connections} in "
          f"flight: {drivers_rate:,.0f} notices/s (runs: {', '.join(f'{rate:,.0f}' for rate in drivers)}); "
          f"the hotline is {ratio_drivers:.2f} x the drivers "
          f"(runs: {', '.join(f'{r:.2f}' for r in drivers_ratios)})", flush=True)
    print(f"  naive: one job per notice, {args.processes} forking workers: {naive_rate:,.1f} notices/s "
          f"({args.naive:,} in {naive_s:.1f} s)", flush=True)
    print(f"  exactly once: {'yes' if check['ok'] and naive_check['ok'] else 'NO'} {check} naive {naive_check}",
          flush=True)
    print(f"  RQ worker RSS at the end of the run: {[round(k / 1024, 1) for k in worker_rss]} MiB", flush=True)
    print(summary_line("notices end to end", hotline_rate, "notices/s", ratio=ratio_limit,
                       baseline=f"limit (+/- {noise:.2f}); {ratio_drivers:.2f} x drivers alone; "
                                f"{ratio_naive:.1f} x naive",
                       goal=f">= {LIMIT_GOAL:.2f} x limit and >= {NAIVE_GOAL:.0f} x naive, exactly once",
                       met=met), flush=True)
    record("notices_e2e", {
        "args": vars(args), "people": people_count, "demo_data_s": round(load_s, 1), "plan_s": round(plan_s, 2),
        "naive_plan_s": round(naive_plan_s, 2), "limit_rate": round(limit_rate, 1),
        "limit_rates": [round(r, 1) for r in limits], "limit_noise": round(spread(limits), 3),
        "run_seconds": [round(r, 2) for r in runs], "ratios": [round(r, 3) for r in ratios],
        "ratio_noise": round(noise, 3), "hotline_s": round(hotline_s, 1),
        "worker_startup_s": round(startup_s, 2), "naive_s": round(naive_s, 1), "sender_connections": connections,
        "hotline_rate": round(hotline_rate, 1), "naive_rate": round(naive_rate, 1),
        "ratio_limit": round(ratio_limit, 3), "drivers_rates": [round(r, 1) for r in drivers],
        "drivers_rate": round(drivers_rate, 1), "ratio_drivers": round(ratio_drivers, 3),
        "ratio_naive": round(ratio_naive, 2), "exactly_once": check,
        "naive_exactly_once": naive_check, "rq_worker_rss_mib": [round(k / 1024, 1) for k in worker_rss],
        "met": met, "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
    })
    if not (check["ok"] and naive_check["ok"]):
        raise SystemExit("a notice was not accepted exactly once")


if __name__ == "__main__":
    main()
