"""Audit scans by a foundation: ``POST /v1/scans`` (a repository, or an uploaded archive),
``GET /v1/scans`` and ``GET /v1/scans/{id}``.

A scan runs as a background job (:mod:`service.jobs`): the POST answers 202 with the scan
``queued``; poll ``GET /v1/scans/{id}`` until ``done`` (``result`` holds the JSON of
``copyfair scan``) or ``failed`` (``error`` says why). A foundation sees only its own scans;
any other id answers 404.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from starlette.datastructures import UploadFile

from service.api.deps import FoundationDep, SessionDep, services
from service.api.errors import ApiError, ErrorResponse, field_path
from service.api.pagination import PageOf, PageParamsDep
from service.archives import detect_format
from service.db import scans as store
from service.db.models import Scan, ScanStatus
from service.db.pagination import CursorError
from service.jobs import JobQueueError, JobRunner, JobsConfig, create_runner
from service.jobs.config import jobs_config_from_env
from service.jobs.sources import SourceError, check_repository, display_repository

__all__ = ["ScanCreate", "ScanDetail", "ScanPublic", "ScansPage", "router"]

router = APIRouter(prefix="/v1/scans", tags=["scans"])


class ScanCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    repository: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)
    ] = Field(
        description="A git URL (`https://`, `ssh://`, `git://`, `user@host:path`), or a local "
        "path or `file://` URL below a directory the server allows (COPYFAIR_SCAN_LOCAL_ROOTS)."
    )


class ScanPublic(BaseModel):
    id: uuid.UUID
    organisation_id: uuid.UUID
    status: ScanStatus
    repository: str | None
    archive_name: str | None
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class ScanDetail(ScanPublic):
    result: dict[str, Any] | None = Field(
        default=None, description="When done: the JSON document of `copyfair scan`."
    )


class ScansPage(PageOf[ScanPublic]):
    """A page of scans, oldest first; ``next`` is the cursor of the following page."""


_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorResponse, "description": "No key, or an invalid one."},
    403: {"model": ErrorResponse, "description": "The key's role is not foundation."},
    422: {"model": ErrorResponse, "description": "Invalid input; `field` names it."},
}

_UPLOAD_FIELD = "archive"
_BODY_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": ScanCreate.model_json_schema()},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": [_UPLOAD_FIELD],
                    "properties": {
                        _UPLOAD_FIELD: {
                            "type": "string",
                            "format": "binary",
                            "description": "A .tar, .tar.gz, .tar.bz2, .tar.xz or .zip of "
                            "the tree to scan (within the request body limit).",
                        }
                    },
                }
            },
        },
    }
}


def _public(row: Scan) -> ScanPublic:
    return ScanPublic(
        id=row.id,
        organisation_id=row.organisation_id,
        status=ScanStatus(row.status),
        repository=display_repository(row.repository) if row.repository else None,
        archive_name=row.archive_name,
        error=row.error,
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
    )


def jobs_config(request: Request) -> JobsConfig:
    """The app's job configuration (``app.state.jobs_config``; from the environment when
    ``create_app`` did not set one)."""
    state = request.app.state
    config: JobsConfig | None = getattr(state, "jobs_config", None)
    if config is None:
        config = jobs_config_from_env()
        state.jobs_config = config
    return config


def job_runner(request: Request) -> JobRunner:
    """The app's job runner (``app.state.job_runner``; built on first use otherwise)."""
    state = request.app.state
    runner: JobRunner | None = getattr(state, "job_runner", None)
    if runner is None:
        runner = create_runner(services(request).settings.database_url, jobs_config(request))
        state.job_runner = runner
    return runner


async def _json_source(request: Request, config: JobsConfig) -> str:
    try:
        raw = json.loads(await request.body())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ApiError(
            422,
            "invalid_request",
            f'the body is not valid JSON ({exc}): send {{"repository": "<URL>"}}',
        ) from None
    try:
        body = ScanCreate.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = field_path(error["loc"]) or None
        message = "expected a JSON object" if error["type"] == "model_type" else error["msg"]
        if error["type"] == "missing":
            message = "this field is required"
        elif error["type"] == "extra_forbidden":
            message = "unknown field: remove it (see /docs for the accepted fields)"
        raise ApiError(
            422, "invalid_request", f"{field}: {message}" if field else message, field
        ) from None
    try:
        check_repository(body.repository, config.local_roots)
    except SourceError as exc:
        raise ApiError(422, "invalid_repository", str(exc), "repository") from None
    return body.repository


async def _upload_source(request: Request) -> tuple[str, bytes]:
    try:
        form = await request.form(max_files=1, max_fields=5)
    except ApiError:
        raise
    except Exception as exc:  # malformed multipart: python-multipart's and Starlette's errors
        if getattr(exc, "status_code", None) == 413:
            raise
        raise ApiError(
            422,
            "invalid_upload",
            f"the multipart body cannot be read ({exc}): send the archive as the form field "
            f"'{_UPLOAD_FIELD}' (curl -F {_UPLOAD_FIELD}=@tree.tar.gz)",
            _UPLOAD_FIELD,
        ) from None
    try:
        upload = form.get(_UPLOAD_FIELD)
        if not isinstance(upload, UploadFile):
            raise ApiError(
                422,
                "invalid_upload",
                f"no file in the form field '{_UPLOAD_FIELD}': send the archive as "
                f"-F {_UPLOAD_FIELD}=@tree.tar.gz",
                _UPLOAD_FIELD,
            )
        data = await upload.read()
    finally:
        await form.close()
    if detect_format(data[:512]) is None:
        raise ApiError(
            422,
            "invalid_archive",
            "the upload is not a .tar, .tar.gz, .tar.bz2, .tar.xz or .zip archive",
            _UPLOAD_FIELD,
        )
    # the base name, printable characters only (PostgreSQL refuses NUL in text), <= 255
    base = (upload.filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in base if c.isprintable())[:255] or "upload"
    return name, data


@router.post(
    "",
    status_code=202,
    response_model=ScanPublic,
    openapi_extra=_BODY_DOC,
    responses={
        **_ERRORS,
        413: {"model": ErrorResponse, "description": "The upload passes the body limit."},
        415: {"model": ErrorResponse, "description": "Neither JSON nor multipart."},
        503: {"model": ErrorResponse, "description": "The job queue is unreachable."},
    },
)
async def start_scan(request: Request, principal: FoundationDep, session: SessionDep) -> ScanPublic:
    """Start an audit scan of a repository (JSON `{"repository": URL}`) or of an uploaded
    archive (multipart, field `archive`). Answers 202 with the scan `queued`."""
    config = jobs_config(request)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        repository = await _json_source(request, config)
        row = await store.create_scan(
            session, organisation_id=principal.owner_id, repository=repository
        )
    elif content_type == "multipart/form-data":
        name, data = await _upload_source(request)
        row = await store.create_scan(
            session, organisation_id=principal.owner_id, archive_name=name, archive=data
        )
    else:
        raise ApiError(
            415,
            "unsupported_media_type",
            "send either JSON (Content-Type: application/json) with a 'repository', or "
            f"multipart/form-data with the archive in the field '{_UPLOAD_FIELD}'",
            "Content-Type",
        )
    public = _public(row)
    await session.commit()  # the job must find the scan
    try:
        await asyncio.to_thread(job_runner(request).submit_scan, row.id)
    except JobQueueError as exc:
        await store.fail_scan(session, row.id, f"could not be queued: {exc}")
        await session.commit()
        raise ApiError(
            503, "queue_unavailable", f"{exc}; the scan {row.id} was marked failed: retry later"
        ) from None
    return public


@router.get("", response_model=ScansPage, responses=_ERRORS)
async def list_scans(
    principal: FoundationDep, session: SessionDep, page: PageParamsDep
) -> ScansPage:
    try:
        found = await store.list_scans(
            session, principal.owner_id, limit=page.limit, cursor=page.cursor
        )
    except CursorError as exc:
        raise ApiError(422, "invalid_cursor", str(exc), "cursor") from None
    return ScansPage(items=[_public(r) for r in found.items], next=found.next_cursor)


@router.get(
    "/{scan_id}",
    response_model=ScanDetail,
    responses={**_ERRORS, 404: {"model": ErrorResponse, "description": "No such scan."}},
)
async def get_scan(scan_id: uuid.UUID, principal: FoundationDep, session: SessionDep) -> ScanDetail:
    row = await store.get_scan(session, principal.owner_id, scan_id)
    if row is None:
        raise ApiError(404, "not_found", f"no scan with id {scan_id}", "scan_id")
    return ScanDetail(**_public(row).model_dump(), result=row.result)
