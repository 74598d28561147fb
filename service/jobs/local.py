"""The embedded runner: a pool inside the server process runs the task functions.

By default a process pool (``spawn``): a scan never blocks the server's event loop, cannot
corrupt its memory, and a scan that dies (out of memory) does not take the server with it.
``mode="thread"`` runs jobs on one thread instead (for tests and tiny deployments: no
process start-up); scans are then run one at a time, as the scanner keeps per-process state.

Jobs live in memory: scans still queued when the server stops stay ``queued`` in the
database. Use Celery (``COPYFAIR_BROKER_URL``) when that matters.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
import uuid
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Literal

from service.jobs.config import JobsConfig
from service.jobs.interface import JobQueueError
from service.jobs.tasks import run_scan_job

__all__ = ["LocalJobRunner"]

logger = logging.getLogger("copyfair.jobs")


class LocalJobRunner:
    def __init__(
        self,
        database_url: str,
        config: JobsConfig | None = None,
        *,
        mode: Literal["process", "thread"] = "process",
    ) -> None:
        self.database_url = database_url
        self.config = config or JobsConfig()
        self.mode = mode
        self._executor: Executor | None = None
        self._lock = threading.Lock()
        self._closed = False
        self._pending: set[Future[str]] = set()

    def _pool(self) -> Executor:
        with self._lock:
            if self._closed:
                raise JobQueueError("the job runner is shut down: the server is stopping")
            if self._executor is None:  # started on first use: no process for idle servers
                if self.mode == "thread":
                    self._executor = ThreadPoolExecutor(1, thread_name_prefix="copyfair-scan")
                else:
                    self._executor = ProcessPoolExecutor(
                        self.config.workers, mp_context=multiprocessing.get_context("spawn")
                    )
            return self._executor

    def submit_scan(self, scan_id: uuid.UUID) -> None:
        try:
            future = self._pool().submit(run_scan_job, self.database_url, str(scan_id), self.config)
        except RuntimeError as exc:  # a broken or shut-down pool
            raise JobQueueError(f"the in-process job pool cannot take jobs: {exc}") from None
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(lambda done: self._done(scan_id, done))

    def _done(self, scan_id: uuid.UUID, future: Future[str]) -> None:
        with self._lock:
            self._pending.discard(future)
        if not future.cancelled() and (error := future.exception()) is not None:
            logger.error("scan %s could not be run: %s", scan_id, error, exc_info=error)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the jobs submitted so far; True when all have finished (tests)."""
        from concurrent.futures import wait

        with self._lock:
            pending = set(self._pending)
        _, not_done = wait(pending, timeout=timeout)
        return not not_done

    def close(self) -> None:
        with self._lock:
            self._closed = True
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=False)
