"""Audit scans started by foundations."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, LargeBinary, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from service.db.base import Base, UtcDateTime, new_id, utcnow
from service.db.models.accounts import enum_check

__all__ = ["Scan", "ScanStatus"]


class ScanStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Scan(Base):
    """An audit scan started by a foundation: of a repository (URL or local path) or of an
    uploaded archive (kept in ``archive`` until the job has read it, so that a worker on
    another machine needs only the database). ``result`` is the JSON of ``copyfair scan``."""

    __tablename__ = "scans"
    __table_args__ = (
        enum_check("status", "status", ScanStatus),
        CheckConstraint("(repository IS NULL) <> (archive_name IS NULL)", name="one_source"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(20), default=ScanStatus.QUEUED.value)
    repository: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    archive_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    archive: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
