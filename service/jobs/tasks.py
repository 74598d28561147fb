"""The task functions, the same whichever runner executes them (in-process pool or Celery).

:func:`run_scan_job` is synchronous and self-contained: it opens its own engine on the
database URL it is given, claims the scan (so that a scan delivered twice runs once), reads
its source, scans in a temporary directory and stores the JSON result or the error. Every
failure of the scan itself ends as ``status: failed`` with a message; only a database that
cannot be reached escapes as an exception (the runner logs it).
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
import uuid
from pathlib import Path
from typing import Any

from service.archives import ArchiveError, unpack_archive
from service.db import scans as store
from service.db.engine import create_engine, create_session_factory
from service.jobs.config import JobsConfig
from service.jobs.sources import (
    SourceError,
    check_repository,
    clone_repository,
    display_repository,
)
from service.settings import Settings

__all__ = ["SCAN_TASK_NAME", "run_scan_job", "scan_source"]

SCAN_TASK_NAME = "copyfair.scan"

logger = logging.getLogger("copyfair.jobs")


def scan_source(source: store.ScanSource, work: Path, config: JobsConfig) -> dict[str, Any]:
    """Fetch ``source`` into ``work`` (an empty directory), scan it, and return the JSON
    document of ``copyfair scan``. Raises :class:`SourceError` or :class:`ArchiveError`."""
    from scanners.project import scan_project
    from scanners.scan import ScanOptions
    from service.formats.json import report_dict

    if source.repository is not None:
        repository = check_repository(source.repository, config.local_roots)
        root = clone_repository(repository, work / "repository", config.clone_timeout)
        label = display_repository(source.repository)
    else:
        assert source.archive is not None, "the archive was already consumed"
        root = work / "archive"
        root.mkdir()
        unpacked = unpack_archive(source.archive, root, config.archive_limits)
        label = source.archive_name or "upload"
    report = scan_project(root, ScanOptions(jobs=1))
    result = report_dict(report)
    result["target"] = label  # not the temporary directory
    if source.archive is not None:
        notes = result.get("notes")
        extra = [f"{path}: not unpacked ({reason})" for path, reason in unpacked.skipped]
        result["notes"] = [*(notes if isinstance(notes, list) else []), *extra]
    return result


async def _run(database_url: str, scan_id: uuid.UUID, config: JobsConfig) -> str:
    engine = create_engine(Settings(database_url=database_url))
    sessions = create_session_factory(engine)
    try:
        async with sessions.begin() as session:
            if not await store.claim_scan(session, scan_id):
                logger.info("scan %s: not queued (taken by another worker?), skipped", scan_id)
                return "skipped"
            source = await store.scan_source(session, scan_id)
        assert source is not None
        try:
            with tempfile.TemporaryDirectory(prefix="copyfair-scan-") as work:
                result = await asyncio.to_thread(scan_source, source, Path(work), config)
        except (SourceError, ArchiveError) as exc:
            error = str(exc)
        except Exception as exc:  # noqa: BLE001 - any failure becomes the scan's error
            logger.exception("scan %s failed", scan_id)
            error = f"the scan failed unexpectedly ({type(exc).__name__}: {exc})"
        else:
            async with sessions.begin() as session:
                await store.finish_scan(session, scan_id, result)
            return "done"
        async with sessions.begin() as session:
            await store.fail_scan(session, scan_id, error)
        return "failed"
    finally:
        await engine.dispose()


def run_scan_job(database_url: str, scan_id: str, config: JobsConfig) -> str:
    """Run scan ``scan_id`` stored in ``database_url``; returns ``done``, ``failed`` or
    ``skipped`` (not queued any more)."""
    return asyncio.run(_run(database_url, uuid.UUID(scan_id), config))
