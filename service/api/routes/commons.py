"""Commons, registered by their foundation: ``POST/GET /v1/commons``, ``GET /v1/commons/{id}``.

A foundation sees only its own commons; any other id answers 404, as if it did not exist.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from service.api.deps import FoundationDep, SessionDep
from service.api.errors import ApiError, ErrorResponse
from service.api.pagination import PageParamsDep
from service.api.schemas import CommonsCreate, CommonsPage, CommonsPublic, MatchRules
from service.api.validation import FieldIssue, validate_commons
from service.db import commons as store
from service.db.models import Commons
from service.db.pagination import CursorError

router = APIRouter(prefix="/v1/commons", tags=["commons"])

_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorResponse, "description": "No key, or an invalid one."},
    403: {"model": ErrorResponse, "description": "The key's role is not foundation."},
    422: {"model": ErrorResponse, "description": "Invalid input; `field` names it."},
}


def _public(row: Commons) -> CommonsPublic:
    return CommonsPublic(
        id=row.id,
        organisation_id=row.organisation_id,
        name=row.name,
        licence=row.licence,
        payee=row.payee,
        repositories=row.repositories,
        match=MatchRules.model_validate(row.match),
        reciprocity=row.reciprocity,
        created_at=row.created_at,
    )


def _invalid(issues: list[FieldIssue]) -> ApiError:
    message = "; ".join(f"{i.field}: {i.message}" for i in issues)
    return ApiError(422, "invalid_commons", message, issues[0].field)


@router.post(
    "",
    status_code=201,
    response_model=CommonsPublic,
    responses={**_ERRORS, 409: {"model": ErrorResponse, "description": "Name already taken."}},
)
async def register_commons(
    body: CommonsCreate, principal: FoundationDep, session: SessionDep
) -> CommonsPublic:
    checked = validate_commons(body, default_payee=str(principal.owner_id))
    if isinstance(checked, list):
        raise _invalid(checked)
    try:
        row = await store.create_commons(
            session,
            organisation_id=principal.owner_id,
            name=checked.name,
            licence=checked.licence,
            payee=checked.payee,
            repositories=checked.repositories,
            match=checked.match.model_dump(),
            reciprocity=checked.reciprocity,
        )
    except store.DuplicateCommonsError as exc:
        raise ApiError(409, "duplicate_commons", str(exc), "name") from None
    return _public(row)


@router.get("", response_model=CommonsPage, responses=_ERRORS)
async def list_commons(
    principal: FoundationDep, session: SessionDep, page: PageParamsDep
) -> CommonsPage:
    try:
        found = await store.list_commons(
            session, principal.owner_id, limit=page.limit, cursor=page.cursor
        )
    except CursorError as exc:
        raise ApiError(422, "invalid_cursor", str(exc), "cursor") from None
    return CommonsPage(items=[_public(r) for r in found.items], next=found.next_cursor)


@router.get(
    "/{commons_id}",
    response_model=CommonsPublic,
    responses={**_ERRORS, 404: {"model": ErrorResponse, "description": "No such commons."}},
)
async def get_commons(
    commons_id: uuid.UUID, principal: FoundationDep, session: SessionDep
) -> CommonsPublic:
    row = await store.get_commons(session, principal.owner_id, commons_id)
    if row is None:
        raise ApiError(404, "not_found", f"no commons with id {commons_id}", "commons_id")
    return _public(row)
