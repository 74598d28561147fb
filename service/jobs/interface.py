"""The one extension point for background jobs: a :class:`JobRunner` accepts a scan to run.

Runners: :class:`service.jobs.local.LocalJobRunner` (the default: a pool inside the server
process) and :class:`service.jobs.celery_runner.CeleryJobRunner` (Celery over Redis, when
``COPYFAIR_BROKER_URL`` is set). Both run :func:`service.jobs.tasks.run_scan_job`.
"""

from __future__ import annotations

import uuid
from typing import Protocol

__all__ = ["JobQueueError", "JobRunner"]


class JobQueueError(RuntimeError):
    """A job could not be handed to the queue (broker unreachable, pool shut down)."""


class JobRunner(Protocol):
    def submit_scan(self, scan_id: uuid.UUID) -> None:
        """Queue scan ``scan_id`` (already committed as ``queued``). Raises
        :class:`JobQueueError` when it cannot be queued. Blocking: call it off the event
        loop."""
        ...

    def close(self) -> None:
        """Stop accepting jobs and release the pool or connection (idempotent)."""
        ...
