"""An ordered map over worker processes, with a bounded number of results in flight.

Chunks of the crowd are made and validated in workers while the parent writes the previous ones. Workers
are spawned, not forked: the parent holds an open database connection that a forked child would share
(and close on exit).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def ordered_map(function: Callable[..., T], jobs: Iterable[tuple[Any, ...]], workers: int) -> Iterator[T]:
    """`function(*job)` for each job, results in job order; in this process when `workers` <= 1."""
    if workers <= 1:
        for job in jobs:
            yield function(*job)
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending = iter(jobs)
        window: list[Future[T]] = []
        # Two jobs per worker in flight: the workers never wait for the parent, and memory stays bounded.
        for job in pending:
            window.append(pool.submit(function, *job))
            if len(window) >= 2 * workers:
                break
        while window:
            result = window.pop(0).result()
            job = next(pending, None)
            if job is not None:
                window.append(pool.submit(function, *job))
            yield result
