"""A small load client for the webhook benchmarks: signed Twilio-style POSTs over keep-alive connections.

Two modes, each from several processes (so the client is not held back by one interpreter lock):
- closed loop (`max_rate`): every connection sends its next request as soon as the last one answered;
  the requests per second it reaches is the route's maximum;
- open loop (`fixed_rate`): requests are sent on a schedule at a given rate, and latency is measured
  from the scheduled moment, so a slow answer cannot hide the requests it delayed (no coordinated
  omission).

Requests are signed before the clock starts, exactly as Twilio signs them, with the twilio library's
RequestValidator.
"""

from __future__ import annotations

import http.client
import multiprocessing as mp
import statistics
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from twilio.request_validator import RequestValidator


@dataclass(frozen=True)
class PreparedRequest:
    path: str
    body: bytes
    headers: dict[str, str]


def prepare(public_url: str, auth_token: str, path: str, params: dict[str, str]) -> PreparedRequest:
    signature = RequestValidator(auth_token).compute_signature(public_url.rstrip("/") + path, params)
    return PreparedRequest(
        path=path,
        body=urlencode(params).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature},
    )


@dataclass
class LoadResult:
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]
    connections: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

    def summary(self) -> dict:
        return {
            "requests": self.requests,
            "errors": self.errors,
            "rps": round(self.rate, 1),
            "p50_ms": round(self.percentile(50), 2),
            "p90_ms": round(self.percentile(90), 2),
            "p99_ms": round(self.percentile(99), 2),
            "mean_ms": round(statistics.fmean(self.latencies_ms), 2) if self.latencies_ms else None,
            "connections": self.connections,
        }


def _worker(base_url, requests, offset, stride, seconds, threads, rate_per_thread, out_queue):
    host = urlsplit(base_url)
    latencies: list[float] = []
    counts = {"ok": 0, "errors": 0}
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def run(thread_index: int) -> None:
        connection = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
        index = offset + thread_index
        local_lat: list[float] = []
        ok = errors = 0
        interval = 1.0 / rate_per_thread if rate_per_thread else 0.0
        next_send = time.perf_counter()
        while True:
            if interval:
                now = time.perf_counter()
                if next_send > now:
                    time.sleep(next_send - now)
                scheduled = next_send
                next_send += interval
            else:
                scheduled = time.perf_counter()
            if scheduled >= stop_at:
                break
            # Connection g sends requests g, g + stride, g + 2 * stride ...: no two connections send the
            # same request, and a list at least as long as the run is never sent twice.
            request = requests[index % len(requests)]
            index += stride
            try:
                connection.request("POST", request.path, body=request.body, headers=request.headers)
                response = connection.getresponse()
                response.read()
                if response.status == 200:
                    ok += 1
                else:
                    errors += 1
            except (OSError, http.client.HTTPException):
                errors += 1
                connection.close()
                connection = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
            local_lat.append((time.perf_counter() - scheduled) * 1000)
        connection.close()
        with lock:
            latencies.extend(local_lat)
            counts["ok"] += ok
            counts["errors"] += errors

    pool = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    out_queue.put((counts["ok"], counts["errors"], latencies))


def _run(base_url, requests, seconds, processes, threads, total_rate=None) -> LoadResult:
    queue: mp.Queue = mp.Queue()
    rate_per_thread = (total_rate / (processes * threads)) if total_rate else None
    started = time.perf_counter()
    workers = [
        mp.Process(target=_worker,
                   args=(base_url, requests, p * threads, processes * threads, seconds, threads, rate_per_thread,
                         queue))
        for p in range(processes)
    ]
    for worker in workers:
        worker.start()
    results = [queue.get() for _ in workers]
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    ok = sum(r[0] for r in results)
    errors = sum(r[1] for r in results)
    latencies = [lat for r in results for lat in r[2]]
    # Every connection stops sending at `seconds` after it started; the few milliseconds of process start
    # and of the last answers in flight are not part of the window the rate is counted over.
    return LoadResult(ok, errors, min(elapsed, seconds), latencies, processes * threads)


def max_rate(base_url, requests, *, seconds=10.0, processes=2, threads=8) -> LoadResult:
    return _run(base_url, requests, seconds, processes, threads)


def fixed_rate(base_url, requests, rate, *, seconds=10.0, processes=2, threads=8) -> LoadResult:
    return _run(base_url, requests, seconds, processes, threads, total_rate=rate)
