"""Benchmark 1: the webhooks under gunicorn, against a bare route, a minimal real webhook and the drivers alone.

    python bench/webhooks.py [--backends postgresql,sqlite] [--people 10000] [--seconds 10]
                             [--workers 2 x cores + 1] [--threads 2] [--connections 8]

For each database: a fresh database with `flask demo-data`, a private redis-server, then four apps
under the same `gunicorn -c gunicorn.conf.py` (HOTLINE_WEB_WORKERS / HOTLINE_WEB_THREADS set the same
for all, bound to a free loopback port):

- `bare`: a Flask route returning a fixed TwiML string (for information);
- `minimal`: signature check, one Redis GET and SETEX, one primary-key SELECT, TwiML from the builder
  (the baseline the hotline's routes are measured against, and their goal);
- `drivers` (bench/apps/drivers.py): each of the three routes below done on redis-py and sqlite3 / psycopg
  alone, no ORM, no flow engine, no templates, with the same Redis keys, the same rows and an answer of
  about the same size: the least that can be done for that route. Each route's ratio to it is printed
  beside its ratio to the minimal webhook (for information: it says how much the hotline's own layers
  cost, route by route);
- the hotline (`app:app`), on three routes:
  - `ivr_menu`: POST /voice/incoming, a new CallSid per request from a known caller (the main menu);
  - `licence_step`: a verified call at the main menu pressing 2 (the licence query). Calls are brought to
    the main menu before the clock starts: a few callers are driven through the real webhooks (greeting,
    one-time code read from the outbox, main menu), then each caller's call state is copied to many
    CallSids with the voice engine's own state API, so every measured request is a new step of its own
    call (real work: the flow, the licence query, the state write), never a retry answered from the cache;
  - `sms_wz`: POST /sms/incoming with Body=WZ from many distinct demo numbers, so the per-number limit on
    keyword queries (left at its default) never answers instead of the query.

Each route: a warm-up, the maximum rate (closed loop), then p50/p90/p99 at an offered load of half that
maximum (open loop, latency from the scheduled moment); both in rounds, every target in turn, medians
reported (the drivers-alone routes: the maximum only). Goal: every hotline route at least 0.80 of the
minimal webhook's maximum on the same database, and p99 under 20 ms at half its own maximum.
Also reads the resident memory (VmRSS) of the hotline's live gunicorn workers after its runs (benchmark 5).
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import re
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402

from bench import loadgen  # noqa: E402
from bench.common import (  # noqa: E402
    OUT,
    ROOT,
    RedisServer,
    children,
    demo_database,
    env,
    free_port,
    record,
    spread,
    summary_line,
    vm_rss_kib,
    wait_for_port,
)
from hotline.clock import CHINA  # noqa: E402
from hotline.config import DEV_TWILIO_ACCOUNT_SID, DEV_TWILIO_AUTH_TOKEN, Settings  # noqa: E402

HOTLINE_NUMBER = "+8659512123"
ROUTE_GOAL = 0.80
P99_GOAL_MS = 20.0
APPS = {
    "bare": "bench.apps.bare:app",
    "minimal": "bench.apps.minimal:app",
    "drivers": "bench.apps.drivers:app",
    "hotline": "app:app",
}
ROUTES = ("ivr_menu", "licence_step", "sms_wz")
DRIVERS = {route: f"drivers_{route}" for route in ROUTES}  # each route's own drivers-alone baseline
READY_SECONDS = 300


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    port: int
    log_path: Path
    workers: int

    def wait_ready(self) -> None:
        """The port opens before the workers have imported the app (a second or two on a quiet machine, over
        a minute on a busy one, where the first request used to time out): wait for every worker's line
        saying it is ready (gunicorn.conf.py's post_worker_init)."""
        wait_for_port(self.port, READY_SECONDS, process=self.process)
        deadline = time.monotonic() + READY_SECONDS
        while self.log_path.read_text(errors="replace").count("Worker ready") < self.workers:
            if self.process.poll() is not None:
                raise SystemExit(
                    f"{self.name}: gunicorn exited with code {self.process.returncode}; see {self.log_path}"
                )
            if time.monotonic() > deadline:
                raise SystemExit(
                    f"{self.name}: not every worker was ready after {READY_SECONDS} s; see {self.log_path}"
                )
            time.sleep(0.1)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def worker_rss_kib(self) -> list[int]:
        return [vm_rss_kib(pid) for pid in children(self.process.pid)]

    def stop(self) -> None:
        self.process.terminate()
        self.wait()

    def wait(self) -> None:
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_server(name: str, settings: dict[str, str], workers: int, threads: int) -> Server:
    """Start one app under gunicorn; `Server.wait_ready` waits for its workers (apps start side by side)."""
    port = free_port()
    environment = env(
        **settings,
        HOTLINE_BIND=f"127.0.0.1:{port}",
        HOTLINE_PUBLIC_URL=f"http://127.0.0.1:{port}",
        HOTLINE_WEB_WORKERS=str(workers),
        HOTLINE_WEB_THREADS=str(threads),
    )
    OUT.mkdir(parents=True, exist_ok=True)
    log_path = OUT / f"webhooks-{name}.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", APPS[name]],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return Server(name, process, port, log_path, workers)


# -- requests --------------------------------------------------------------------------------------
def _sid(prefix: str) -> str:
    return prefix + uuid.uuid4().hex


def call_params(sid: str, caller: str, **extra: str) -> dict[str, str]:
    return {
        "AccountSid": DEV_TWILIO_ACCOUNT_SID,
        "CallSid": sid,
        "From": caller,
        "To": HOTLINE_NUMBER,
        "CallStatus": "in-progress",
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
        **extra,
    }


def sms_params(sender: str, body: str) -> dict[str, str]:
    sid = _sid("SM")
    return {
        "AccountSid": DEV_TWILIO_ACCOUNT_SID,
        "MessageSid": sid,
        "SmsMessageSid": sid,
        "From": sender,
        "To": HOTLINE_NUMBER,
        "Body": body,
        "NumMedia": "0",
        "NumSegments": "1",
        "ApiVersion": "2010-04-01",
    }


def signed(server: Server, path: str, params: dict[str, str]) -> loadgen.PreparedRequest:
    return loadgen.prepare(server.url, DEV_TWILIO_AUTH_TOKEN, path, params)


def post(server: Server, request: loadgen.PreparedRequest) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.request("POST", request.path, body=request.body, headers=request.headers)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8")
    finally:
        connection.close()


def _step_number(twiml: str) -> int:
    found = re.findall(r"/voice/step\?n=(\d+)", twiml)
    if not found:
        raise SystemExit(f"no Gather step in the answer: {twiml[:300]}")
    return int(found[-1])


# -- callers and call states -------------------------------------------------------------------------
def callers(database_url: str, limit: int) -> list[str]:
    """Numbers of people with an online account, a licence, no PIN (they verify with a one-time code) and the
    number to themselves (no choosing)."""
    engine = create_engine(database_url)
    query = text("""
        SELECT p.phone FROM person p JOIN licence l ON l.person_id = p.id
        WHERE p.account IN ('internet', 'window') AND p.pin_hash IS NULL
          AND p.phone IN (SELECT phone FROM person GROUP BY phone HAVING count(*) = 1)
          AND p.phone NOT IN (SELECT phone FROM organisation)
        ORDER BY p.id LIMIT :limit""")
    with engine.connect() as connection:
        phones = [row[0] for row in connection.execute(query, {"limit": limit})]
    engine.dispose()
    if not phones:
        raise SystemExit("the demo data has no caller with an online account and a licence")
    return phones


def last_code(database_url: str, phone: str) -> str:
    """The one-time code the outbox holds for `phone` (what the caller would read on their handset)."""
    engine = create_engine(database_url)
    with engine.connect() as connection:
        body = connection.execute(
            text("SELECT body FROM notice WHERE kind = 'X01' AND phone = :phone ORDER BY id DESC LIMIT 1"),
            {"phone": phone},
        ).scalar()
    engine.dispose()
    match = re.search(r"(?<!\d)\d{6}(?!\d)", body or "")
    if match is None:
        raise SystemExit("no one-time code was written to the outbox")
    return match.group(0)


@dataclass
class AtMainMenu:
    caller: str
    state: dict
    step: int  # the step number the next webhook carries
    previous_answer: str


def drive_to_main_menu(server: Server, database_url: str, caller: str) -> AtMainMenu:
    """One real call through the real webhooks: greeting, 1, the code from the outbox, the main menu."""
    import redis as redis_client

    from hotline.ivr import state as call_state

    sid = _sid("CA")
    status, twiml = post(server, signed(server, "/voice/incoming", call_params(sid, caller)))
    step = _step_number(twiml)
    status, twiml = post(server, signed(server, f"/voice/step?n={step}", call_params(sid, caller, Digits="1")))
    step = _step_number(twiml)
    code = last_code(database_url, caller)
    status, twiml = post(server, signed(server, f"/voice/step?n={step}", call_params(sid, caller, Digits=code)))
    if status != 200 or "请按2" not in twiml and "press 2" not in twiml:
        raise SystemExit(f"the call did not reach the main menu: {twiml[:400]}")
    connection = redis_client.Redis.from_url(server_redis_url)
    current = call_state.load(connection, sid, prefix=Settings().rq_queue_prefix)  # the server's default
    connection.close()
    if current is None or not current.get("vars", {}).get("verified"):
        raise SystemExit("the driven call is not verified at the main menu")
    return AtMainMenu(caller, current, _step_number(twiml), twiml)


def licence_step_requests(server: Server, menus: list[AtMainMenu], count: int) -> list[loadgen.PreparedRequest]:
    """`count` calls standing at the main menu, each about to press 2; their states written before the clock."""
    import redis as redis_client

    from hotline.ivr import state as call_state

    connection = redis_client.Redis.from_url(server_redis_url)
    requests = []
    for i in range(count):
        menu = menus[i % len(menus)]
        sid = _sid("CA")
        # The state the caller's own previous webhook left, and that webhook's answer, as the engine keeps them.
        call_state.save(
            connection, sid, menu.step - 1, menu.state, menu.previous_answer, 3600, prefix=Settings().rq_queue_prefix
        )
        requests.append(signed(server, f"/voice/step?n={menu.step}", call_params(sid, menu.caller, Digits="2")))
    connection.close()
    return requests


def sms_senders(database_url: str, limit: int) -> list[str]:
    engine = create_engine(database_url)
    query = text("""
        SELECT p.phone FROM person p
        WHERE p.account IN ('internet', 'window')
          AND EXISTS (SELECT 1 FROM vehicle v WHERE v.owner_person_id = p.id)
          AND p.phone IN (SELECT phone FROM person GROUP BY phone HAVING count(*) = 1)
          AND p.phone NOT IN (SELECT phone FROM organisation)
        ORDER BY p.id LIMIT :limit""")
    with engine.connect() as connection:
        phones = [row[0] for row in connection.execute(query, {"limit": limit})]
    engine.dispose()
    if not phones:
        raise SystemExit("the demo data has no sender with an online account and a vehicle")
    return phones


server_redis_url = ""  # the private redis-server of the current database's run


# -- the runs -------------------------------------------------------------------------------------
def _shape(args) -> tuple[int, int]:
    processes = max(1, min(args.connections, 2))
    return processes, max(1, args.connections // processes)


def max_run(server: Server, make_requests, args, seconds: float) -> loadgen.LoadResult:
    processes, threads = _shape(args)
    budget = int(args.request_budget * seconds)
    result = loadgen.max_rate(server.url, make_requests(budget), seconds=seconds, processes=processes, threads=threads)
    result.budget = budget
    return result


def half_run(server: Server, make_requests, rate: float, args) -> loadgen.LoadResult:
    processes, threads = _shape(args)
    return loadgen.fixed_rate(
        server.url,
        make_requests(int(rate * args.seconds) + 1),
        rate,
        seconds=args.seconds,
        processes=processes,
        threads=threads,
    )


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def run_backend(backend: str, args) -> dict:
    """All three apps up at once; rounds of maximum-rate runs, each round every target in turn, so a ratio
    is taken between runs seconds apart (the machine's load drifts, the pairing keeps the ratio)."""
    global server_redis_url
    day = datetime.now(CHINA).date().isoformat()
    with RedisServer() as redis_server:
        server_redis_url = redis_server.url
        url, load_s = demo_database(backend, f"hotline_bench_webhooks_{backend}", args.people, day)
        settings = {"HOTLINE_DATABASE_URL": url, "HOTLINE_REDIS_URL": redis_server.url}
        servers = {name: start_server(name, settings, args.workers, args.threads) for name in APPS}
        try:
            for server in servers.values():
                server.wait_ready()
            return _measure_all(backend, url, servers, load_s, args)
        finally:
            for server in servers.values():  # all told at once: each waits for its workers to finish
                server.process.terminate()
            for server in servers.values():
                server.wait()


def _measure_all(backend: str, url: str, servers: dict[str, Server], load_s: float, args) -> dict:
    phones = callers(url, 200)

    def ivr_requests(server):
        return lambda n: [
            signed(server, "/voice/incoming", call_params(_sid("CA"), phones[i % len(phones)]))
            for i in range(max(n, 1))
        ]

    hotline, drivers = servers["hotline"], servers["drivers"]
    menus = [drive_to_main_menu(hotline, url, caller) for caller in callers(url, args.callers)]
    senders = sms_senders(url, 100_000)
    sms_index, drivers_sms_index = iter(range(10**9)), iter(range(10**9))

    def wz_requests(server, index):
        return lambda n: [
            signed(server, "/sms/incoming", sms_params(senders[next(index) % len(senders)], "WZ"))
            for _ in range(max(n, 1))
        ]

    targets = {
        "bare": (servers["bare"], ivr_requests(servers["bare"])),
        "minimal": (servers["minimal"], ivr_requests(servers["minimal"])),
        "ivr_menu": (hotline, ivr_requests(hotline)),
        "licence_step": (hotline, lambda n: licence_step_requests(hotline, menus, max(n, 1))),
        "sms_wz": (hotline, wz_requests(hotline, sms_index)),
        # The same requests to the drivers alone: the licence step's calls stand at the main menu in the
        # same Redis, under the hotline's own keys.
        DRIVERS["ivr_menu"]: (drivers, ivr_requests(drivers)),
        DRIVERS["licence_step"]: (drivers, lambda n: licence_step_requests(drivers, menus, max(n, 1))),
        DRIVERS["sms_wz"]: (drivers, wz_requests(drivers, drivers_sms_index)),
    }
    check_answers(hotline, {route: targets[route][1] for route in ROUTES})
    check_answers(drivers, {route: targets[DRIVERS[route]][1] for route in ROUTES})
    for server, maker in targets.values():
        max_run(server, maker, args, args.warmup)
    maxima: dict[str, list[float]] = {name: [] for name in targets}
    repeated = 0
    for _ in range(args.rounds):
        for name, (server, maker) in targets.items():
            result = max_run(server, maker, args, args.seconds)
            maxima[name].append(result.rate)
            repeated += max(0, result.requests + result.errors - result.budget)
    results: dict = {
        "backend": backend,
        "demo_data_s": round(load_s, 1),
        "rounds": args.rounds,
        "repeated_requests": repeated,
    }
    # Latency at half load in rounds too, interleaved the same way: one run's p99 is the 1 % worst of a few
    # thousand requests, and one stall of the machine (another process, a checkpoint) sets it; the median
    # of the rounds is reported, with every round's figure beside it.
    timed = [name for name in targets if name not in DRIVERS.values()]
    halves: dict[str, list[dict]] = {name: [] for name in timed}
    for _ in range(args.rounds):
        for name in timed:
            server, maker = targets[name]
            halves[name].append(half_run(server, maker, median(maxima[name]) / 2, args).summary())
    for name in DRIVERS.values():
        results[name] = {
            "max_rps": round(median(maxima[name]), 1),
            "max_rps_rounds": [round(r, 1) for r in maxima[name]],
        }
    for name in timed:
        best, runs = median(maxima[name]), halves[name]
        half = {key: round(median([run[key] for run in runs]), 2) for key in ("p50_ms", "p90_ms", "p99_ms")}
        half.update(
            p99_ms_rounds=[run["p99_ms"] for run in runs],
            requests=sum(run["requests"] for run in runs),
            errors=sum(run["errors"] for run in runs),
        )
        results[name] = {
            "max_rps": round(best, 1),
            "max_rps_rounds": [round(r, 1) for r in maxima[name]],
            "offered_rps": round(best / 2, 1),
            "half": half,
            "connections": runs[0]["connections"],
        }
    for route in ROUTES:
        ratios = [r / m for r, m in zip(maxima[route], maxima["minimal"], strict=True) if m]
        results[route]["ratio"] = round(median(ratios), 3) if ratios else 0.0
        results[route]["ratio_rounds"] = [round(r, 3) for r in ratios]
        results[route]["ratio_noise"] = round(spread(ratios), 3)
        least = [r / d for r, d in zip(maxima[route], maxima[DRIVERS[route]], strict=True) if d]
        results[route]["drivers_ratio"] = round(median(least), 3) if least else 0.0
        results[route]["drivers_ratio_rounds"] = [round(r, 3) for r in least]
        results[route]["drivers_ratio_noise"] = round(spread(least), 3)
    sms_sent = next(sms_index)
    results["sms_senders"] = len(senders)
    results["sms_queries_per_sender"] = round(sms_sent / len(senders), 1)
    # Senders are used in turn, so none sent more than this; over the per-number limit, some answers would
    # have been the cheap "limit reached" silence instead of the query.
    results["sms_limit_reached"] = -(-sms_sent // len(senders)) > int(os.environ.get("HOTLINE_SMS_QUERY_LIMIT", 30))
    results["web_worker_rss_mib"] = [round(kib / 1024, 1) for kib in hotline.worker_rss_kib()]
    return results


def check_answers(server: Server, makers: dict) -> None:
    """One request of each route before the clock: it must be the real answer, not an error or a refusal."""
    expect = {"ivr_menu": "/voice/step?n=", "licence_step": "驾驶证", "sms_wz": "<Message>"}  # hotline or drivers
    for route, maker in makers.items():
        status, body = post(server, maker(1)[0])
        if status != 200 or expect[route] not in body:
            raise SystemExit(f"{route}: unexpected answer {status}: {body[:400]}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default="postgresql,sqlite")
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=5.0, help="each maximum-rate run and each half-load run")
    parser.add_argument("--rounds", type=int, default=3, help="maximum-rate runs per target, interleaved")
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument(
        "--workers",
        type=int,
        default=multiprocessing.cpu_count() * 2 + 1,
        help="HOTLINE_WEB_WORKERS for every app (default: gunicorn.conf.py's, 2 x cores + 1)",
    )
    parser.add_argument(
        "--threads", type=int, default=2, help="HOTLINE_WEB_THREADS for every app (default: gunicorn.conf.py's)"
    )
    parser.add_argument("--connections", type=int, default=8, help="keep-alive connections of the load client")
    parser.add_argument("--callers", type=int, default=50, help="calls driven to the main menu for the licence step")
    parser.add_argument(
        "--request-budget",
        type=int,
        default=3000,
        help="distinct requests prepared per second of each run (above any rate reached)",
    )
    args = parser.parse_args(argv)
    rows = [run_backend(backend, args) for backend in args.backends.split(",")]
    worst_ratio, worst_p99, worst_at, worst_rps, worst_noise = float("inf"), 0.0, "", 0.0, 0.0
    least_ratio, least_at, least_noise = float("inf"), "", 0.0
    for row in rows:
        backend = row["backend"]
        for name in ("bare", "minimal", *ROUTES):
            entry = row[name]
            half = entry["half"]
            ratio = entry.get("ratio")
            line = (
                f"  {backend:10} {name:20} max {entry['max_rps']:8.1f} req/s"
                f" | at {entry['offered_rps']:.0f} req/s: p50 {half['p50_ms']:.1f} p90 {half['p90_ms']:.1f}"
                f" p99 {half['p99_ms']:.1f} ms (rounds {', '.join(f'{v:.1f}' for v in half['p99_ms_rounds'])})"
                f" | {entry['connections']} connections"
            )
            if ratio is not None:
                line += (
                    f" | ratio {ratio:.2f} x minimal (+/- {entry['ratio_noise']:.2f}),"
                    f" {entry['drivers_ratio']:.2f} x drivers alone (+/- {entry['drivers_ratio_noise']:.2f})"
                )
            print(line, flush=True)
            if ratio is not None:
                if ratio < worst_ratio:
                    worst_ratio, worst_at = ratio, f"{name} on {backend}"
                    worst_rps, worst_noise = entry["max_rps"], entry["ratio_noise"]
                if entry["drivers_ratio"] < least_ratio:
                    least_ratio, least_at = entry["drivers_ratio"], f"{name} on {backend}"
                    least_noise = entry["drivers_ratio_noise"]
                worst_p99 = max(worst_p99, half["p99_ms"])
        for route, name in DRIVERS.items():
            entry = row[name]
            rounds = ", ".join(f"{v:.1f}" for v in entry["max_rps_rounds"])
            print(
                f"  {backend:10} {name:20} max {entry['max_rps']:8.1f} req/s (rounds {rounds})"
                f" | the least {route} can cost: redis-py and the database driver alone",
                flush=True,
            )
        print(
            f"  {backend:10} web worker RSS after the runs: {row['web_worker_rss_mib']} MiB; "
            f"{row['sms_queries_per_sender']} WZ texts per sender from {row['sms_senders']} numbers",
            flush=True,
        )
        if row["sms_limit_reached"]:
            print(
                f"  {backend:10} WARNING: some senders passed the per-number query limit: use more --people", flush=True
            )
    met = worst_ratio >= ROUTE_GOAL and worst_p99 < P99_GOAL_MS
    print(
        summary_line(
            f"webhooks, worst route {worst_at}",
            worst_rps,
            "req/s",
            ratio=worst_ratio,
            baseline=(
                f"minimal webhook (+/- {worst_noise:.2f}); against the drivers alone the worst is {least_at}:"
                f" {least_ratio:.2f} x (+/- {least_noise:.2f}); worst p99 at half load {worst_p99:.1f} ms"
            ),
            goal=f">= {ROUTE_GOAL:.2f} x minimal and p99 < {P99_GOAL_MS:.0f} ms",
            met=met,
        ),
        flush=True,
    )
    record(
        "webhooks",
        {
            "args": vars(args),
            "rows": rows,
            "worst_ratio": worst_ratio,
            "worst_p99_ms": worst_p99,
            "met": met,
            "worst_drivers_ratio": least_ratio,
        },
    )


if __name__ == "__main__":
    main()
