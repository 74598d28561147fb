"""Celery over Redis: the API publishes scan jobs, ``copyfair worker`` processes run them.

Several machines share the work by pointing at the same broker and the same database:
every ``copyfair worker`` started with the same ``COPYFAIR_BROKER_URL``,
``COPYFAIR_SCAN_QUEUE`` and ``COPYFAIR_DATABASE_URL`` (PostgreSQL when the machines differ)
consumes from the one queue; each job carries only the scan's id, and the scan's source (the
repository URL, or the uploaded archive's bytes) and result live in the database. A worker
takes one job at a time per process (prefetch 1) and acknowledges it before running it: a
worker that dies mid-scan leaves that scan ``running`` until the server's sweep fails it
(:mod:`service.jobs.recovery`, ``COPYFAIR_SCAN_STUCK_AFTER``); start it again with a new
``POST /v1/scans``.
"""

from __future__ import annotations

import uuid
from typing import Any

from service.jobs.config import JobsConfig
from service.jobs.interface import JobQueueError
from service.jobs.tasks import SCAN_TASK_NAME, run_scan_job

__all__ = ["CeleryJobRunner", "create_celery_app"]


def create_celery_app(config: JobsConfig, database_url: str | None = None) -> Any:
    """A Celery app on ``config.broker_url``. With ``database_url`` (workers) the scan task
    is registered and runs against that database; without (the API) it only publishes."""
    # Imported when used: the embedded mode does not need Celery.
    from celery import Celery  # type: ignore[import-untyped]

    if not config.broker_url:
        raise JobQueueError("COPYFAIR_BROKER_URL is not set: Celery needs a broker")
    app = Celery("copyfair", broker=config.broker_url, set_as_current=False)
    app.conf.update(
        task_default_queue=config.queue,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"max_retries": 2, "interval_start": 0, "interval_step": 0.5},
        enable_utc=True,
    )
    if database_url is not None:

        @app.task(name=SCAN_TASK_NAME)  # type: ignore[untyped-decorator]
        def scan(scan_id: str) -> str:
            return run_scan_job(database_url, scan_id, config)

    return app


class CeleryJobRunner:
    def __init__(self, config: JobsConfig) -> None:
        self.config = config
        self.app = create_celery_app(config)

    def submit_scan(self, scan_id: uuid.UUID) -> None:
        try:
            self.app.send_task(
                SCAN_TASK_NAME,
                args=[str(scan_id)],
                queue=self.config.queue,
                retry=True,
                retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.5},
            )
        except Exception as exc:  # kombu/redis errors: the broker is unreachable
            raise JobQueueError(
                f"cannot queue the scan on the broker (COPYFAIR_BROKER_URL): "
                f"{type(exc).__name__}: {exc}"
            ) from None

    def close(self) -> None:
        self.app.close()
