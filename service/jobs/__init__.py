"""Background jobs: audit scans run by a :class:`JobRunner`.

:func:`create_runner` picks the runner from the configuration: Celery over Redis when
``COPYFAIR_BROKER_URL`` is set (:mod:`service.jobs.celery_runner`; start workers with
``copyfair worker``), otherwise an in-process pool (:mod:`service.jobs.local`). Both run the
same task function, :func:`service.jobs.tasks.run_scan_job`.
"""

from __future__ import annotations

from service.jobs.config import JobsConfig, JobsConfigError, jobs_config_from_env
from service.jobs.interface import JobQueueError, JobRunner

__all__ = [
    "JobQueueError",
    "JobRunner",
    "JobsConfig",
    "JobsConfigError",
    "create_runner",
    "jobs_config_from_env",
]


def create_runner(database_url: str, config: JobsConfig) -> JobRunner:
    if config.broker_url:
        from service.jobs.celery_runner import CeleryJobRunner

        return CeleryJobRunner(config)
    from service.jobs.local import LocalJobRunner

    return LocalJobRunner(database_url, config)
