"""Configuration of audit-scan jobs, from ``COPYFAIR_*`` variables.

===================================  =======================================================
``COPYFAIR_BROKER_URL``              Celery broker, e.g. ``redis://host:6379/0``. Unset: jobs
                                     run in an in-process pool of the server.
``COPYFAIR_SCAN_QUEUE``              Celery queue of scan jobs (default ``copyfair-scans``).
``COPYFAIR_SCAN_WORKERS``            Processes of the in-process pool (default 1).
``COPYFAIR_SCAN_LOCAL_ROOTS``        Directories (separated by ``:``) under which local paths
                                     and ``file://`` URLs may be scanned. Default: none, so a
                                     tenant cannot read the server's own files.
``COPYFAIR_SCAN_CLONE_TIMEOUT``      Seconds a ``git clone`` may take (default 600).
``COPYFAIR_SCAN_STUCK_AFTER``        Seconds after which a scan still ``running`` is failed
                                     as stuck (its worker died; default 3600).
``COPYFAIR_ARCHIVE_MAX_TOTAL_BYTES`` Unpacked size of an uploaded archive (default 1 GiB).
``COPYFAIR_ARCHIVE_MAX_FILE_BYTES``  Unpacked size of one of its files (default 256 MiB).
``COPYFAIR_ARCHIVE_MAX_MEMBERS``     Entries of an archive (default 100000).
===================================  =======================================================
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from service.archives import ArchiveLimits

__all__ = ["DEFAULT_QUEUE", "JobsConfig", "JobsConfigError", "jobs_config_from_env"]

DEFAULT_QUEUE = "copyfair-scans"


class JobsConfigError(ValueError):
    """A ``COPYFAIR_*`` job variable is invalid; the message names it."""


@dataclass(frozen=True, slots=True)
class JobsConfig:
    broker_url: str | None = None
    queue: str = DEFAULT_QUEUE
    workers: int = 1
    local_roots: tuple[Path, ...] = ()
    clone_timeout: float = 600.0
    stuck_after: float = 3600.0
    archive_limits: ArchiveLimits = field(default_factory=ArchiveLimits)


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise JobsConfigError(f"{name}: {raw!r} is not a whole number") from None
    if value <= 0:
        raise JobsConfigError(f"{name}: must be greater than 0, not {value}")
    return value


def jobs_config_from_env(environ: Mapping[str, str] | None = None) -> JobsConfig:
    env = os.environ if environ is None else environ
    defaults = ArchiveLimits()
    roots = tuple(
        Path(p).expanduser().resolve()
        for p in env.get("COPYFAIR_SCAN_LOCAL_ROOTS", "").split(os.pathsep)
        if p.strip()
    )
    queue = env.get("COPYFAIR_SCAN_QUEUE", "").strip() or DEFAULT_QUEUE
    return JobsConfig(
        broker_url=env.get("COPYFAIR_BROKER_URL", "").strip() or None,
        queue=queue,
        workers=_positive_int(env, "COPYFAIR_SCAN_WORKERS", 1),
        local_roots=roots,
        clone_timeout=float(_positive_int(env, "COPYFAIR_SCAN_CLONE_TIMEOUT", 600)),
        stuck_after=float(_positive_int(env, "COPYFAIR_SCAN_STUCK_AFTER", 3600)),
        archive_limits=ArchiveLimits(
            max_total_bytes=_positive_int(
                env, "COPYFAIR_ARCHIVE_MAX_TOTAL_BYTES", defaults.max_total_bytes
            ),
            max_file_bytes=_positive_int(
                env, "COPYFAIR_ARCHIVE_MAX_FILE_BYTES", defaults.max_file_bytes
            ),
            max_members=_positive_int(env, "COPYFAIR_ARCHIVE_MAX_MEMBERS", defaults.max_members),
        ),
    )
