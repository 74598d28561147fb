"""``GET /v1/me``: who the key acts for (any role)."""

from __future__ import annotations

from fastapi import APIRouter

from service.api.deps import CurrentPrincipal
from service.api.errors import ErrorResponse
from service.api.schemas import WhoAmI

router = APIRouter(prefix="/v1", tags=["accounts"])


@router.get(
    "/me",
    response_model=WhoAmI,
    responses={401: {"model": ErrorResponse, "description": "No key, or an invalid one."}},
)
async def who_am_i(principal: CurrentPrincipal) -> WhoAmI:
    return WhoAmI(
        key_id=principal.key_id,
        role=principal.role.value,
        organisation_id=principal.organisation_id,
        commoner_id=principal.commoner_id,
    )
