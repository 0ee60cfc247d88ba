"""gunicorn settings for the hotline's web app: `gunicorn -c gunicorn.conf.py app:app`.

Twilio gives a webhook 15 seconds before it plays its own error to the caller. Our answers take
milliseconds; a request still running after 10 s is stuck (a dead database connection, say), and killing
that worker is kinder than letting the caller hear Twilio's error after 15.
"""

import multiprocessing
import os

bind = os.environ.get("HOTLINE_BIND", "127.0.0.1:8000")
# Webhooks wait on PostgreSQL and Redis for part of their time: a second thread per process uses the wait.
# Not more: threads of one process take turns on the interpreter lock, and a request that comes back from
# the database waits for the others' turns (up to 5 ms each). With 4 threads the p99 at half load was
# 2-3 times that with 2 (bench/README.md); processes are what scale with the cores.
workers = int(os.environ.get("HOTLINE_WEB_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "gthread"
threads = int(os.environ.get("HOTLINE_WEB_THREADS", 2))
timeout = 10
graceful_timeout = 10
keepalive = 5
# Recycle workers now and then so a slow leak can never grow without bound.
max_requests = 10000
max_requests_jitter = 1000
accesslog = None  # the app writes one JSON line per request itself (hotline/logs.py)
errorlog = "-"
forwarded_allow_ips = os.environ.get("HOTLINE_FORWARDED_ALLOW_IPS", "127.0.0.1")


def child_exit(server, worker):
    # prometheus_client keeps one file per process under PROMETHEUS_MULTIPROC_DIR; tell it this one died.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker):
    # The app is loaded: its ~150,000 objects (the flow, templates, SQLAlchemy's mappers) live as long as the
    # process. Frozen, the collector no longer walks them on each full collection: a pause of about 60 ms
    # that every request in the worker waited out, and most of the p99 at half load (bench/README.md).
    import gc

    gc.freeze()
    # One line per worker once it can answer: the port opens long before (the app takes a second or two
    # to import, much longer on a busy machine), and the benchmarks wait for every worker's line.
    worker.log.info("Worker ready (pid: %s)", worker.pid)
