"""``/v1/me``: who the key acts for (any role), and what a commoner or a company manages
about themselves: identity claims, the payout account, statements (commoner), visibility
on the public ledgers (company)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from service.api.deps import CommonerDep, CompanyDep, CurrentPrincipal, SessionDep, services
from service.api.errors import ApiError, ErrorResponse
from service.api.pagination import PageOf, PageParamsDep
from service.api.schemas import WhoAmI
from service.db.base import utcnow
from service.db.models import CompanyLedgerPreference, IdentityClaim
from service.db.pagination import CursorError
from service.payouts import claims as claims_store
from service.payouts.signatures import SignatureUnavailableError
from service.payouts.statements import statements_page
from service.settings import Environment

router = APIRouter(prefix="/v1", tags=["accounts"])

_AUTH: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "No key, or an invalid one."},
    403: {"model": ErrorResponse, "description": "The key's role does not fit."},
    422: {"model": ErrorResponse, "description": "Invalid input; `field` names it."},
}


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


# --- identity claims and payout account (commoner) ----------------------------------------

Email = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=320)]
Token = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ClaimCreate(_Input):
    email: Email = Field(description="An email address of your commits (git log --format=%ae).")
    method: Literal["token", "signature"] = Field(
        default="token",
        description="`token`: a token is sent to the address; `signature`: sign the "
        "answered `statement` with an SSH key that signed your commits.",
    )


class ClaimVerify(_Input):
    token: Token | None = Field(default=None, description="The token sent for this claim.")
    signature: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=10_000)] | None
    ) = Field(
        default=None,
        description="For a signature claim: the armored output of "
        "`ssh-keygen -Y sign -n copyfair-claim` over the claim's statement.",
    )


class ClaimPublic(BaseModel):
    id: uuid.UUID
    email: str
    method: str
    status: str  # pending | verified | expired
    expires_at: datetime | None
    verified_at: datetime | None
    delivery: str = Field(
        default="outbox",
        description="Where the token went: the service's outbox, passed on by the "
        "foundation's operator (copyfair admin claim-token CLAIM_ID).",
    )
    token: str | None = Field(
        default=None, description="Only when the service runs with COPYFAIR_ENV=development."
    )
    statement: str | None = Field(
        default=None, description="For a signature claim: the exact text to sign."
    )


class PayoutAccountUpdate(_Input):
    account: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] = Field(
        description="Your Stripe Connect account id, acct_..."
    )
    alias: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = Field(
        default=None, description="The name the public ledger shows for your payouts."
    )


class ReleasedLine(BaseModel):
    line_id: uuid.UUID
    amount_minor: int
    currency: str


class PayoutAccountPublic(BaseModel):
    account: str
    alias: str
    connected_at: datetime
    released: list[ReleasedLine] = Field(
        description="Held payouts released to this account: paid by the commons' next run."
    )


class StatementPublic(BaseModel):
    commons_id: str
    commons_name: str
    period: str
    identity: str
    score: str
    measures: dict[str, Any]
    contributions: list[dict[str, Any]]
    amount_minor: int
    carried_in_minor: int = Field(description="Part of the amount carried from earlier periods.")
    carried_forward: bool = Field(
        description="A carried amount that was since added to a later statement."
    )
    currency: str
    status: str
    transfer: str | None
    paid_at: datetime | None
    settled: bool = Field(
        default=False,
        description="The transfer is made: confirmed by the provider, or a manual one "
        "marked made by the foundation (a `paid` line may still be owed by hand).",
    )


class StatementsPage(PageOf[StatementPublic]):
    """A page of your statements, newest period first, then by commons name and identity;
    ``next`` is the cursor of the following page (null: the last)."""


def _claim_public(claim: IdentityClaim, token: str | None = None) -> ClaimPublic:
    status = "verified" if claim.verified_at is not None else "pending"
    if status == "pending" and claim.expires_at is not None and claim.expires_at <= utcnow():
        status = "expired"
    return ClaimPublic(
        id=claim.id,
        email=claim.email,
        method=claim.method,
        status=status,
        expires_at=claim.expires_at,
        verified_at=claim.verified_at,
        token=token,
    )


def _claim_error(exc: claims_store.ClaimError) -> ApiError:
    if isinstance(exc, claims_store.ClaimNotFoundError):
        return ApiError(404, "not_found", str(exc), exc.field)
    if isinstance(exc, claims_store.ClaimConflictError):
        return ApiError(409, "claimed_by_another", str(exc), exc.field)
    return ApiError(422, "invalid_claim", str(exc), exc.field)


def _commoner(principal: Any) -> uuid.UUID:
    commoner_id = principal.commoner_id
    assert isinstance(commoner_id, uuid.UUID)
    return commoner_id


@router.post(
    "/me/claims",
    status_code=201,
    response_model=ClaimPublic,
    tags=["payouts"],
    responses={**_AUTH, 409: {"model": ErrorResponse, "description": "Another's email."}},
)
async def create_claim(
    body: ClaimCreate, principal: CommonerDep, session: SessionDep, request: Request
) -> ClaimPublic:
    """Claim a commit email: a token goes to the outbox (see `delivery`), or, with
    `method: signature`, sign the answered `statement`."""
    try:
        if body.method == "signature":
            claim, statement = await claims_store.create_signature_claim(
                session, _commoner(principal), body.email
            )
            answer = _claim_public(claim)
            answer.delivery = "none"
            answer.statement = statement
            return answer
        made = await claims_store.create_claim(session, _commoner(principal), body.email)
    except claims_store.ClaimError as exc:
        raise _claim_error(exc) from None
    show = made.token if _development(request) else None
    return _claim_public(made.claim, show)


def _development(request: Request) -> bool:
    env: Environment = services(request).settings.env
    return env is Environment.DEVELOPMENT


class ClaimsPage(PageOf[ClaimPublic]):
    """A page of your claims, oldest first; ``next`` is the cursor of the following page."""


@router.get("/me/claims", response_model=ClaimsPage, tags=["payouts"], responses=_AUTH)
async def list_claims(
    principal: CommonerDep, session: SessionDep, page: PageParamsDep
) -> ClaimsPage:
    try:
        found = await claims_store.list_claims(
            session, _commoner(principal), limit=page.limit, cursor=page.cursor
        )
    except CursorError as exc:
        raise ApiError(422, "invalid_cursor", str(exc), "cursor") from None
    return ClaimsPage(items=[_claim_public(c) for c in found.items], next=found.next_cursor)


@router.post(
    "/me/claims/{claim_id}/verify",
    response_model=ClaimPublic,
    tags=["payouts"],
    responses={**_AUTH, 404: {"model": ErrorResponse, "description": "No such claim of yours."}},
)
async def verify_claim(
    claim_id: uuid.UUID, body: ClaimVerify, principal: CommonerDep, session: SessionDep
) -> ClaimPublic:
    if (body.token is None) == (body.signature is None):
        raise ApiError(
            422,
            "invalid_claim",
            "send exactly one of token (a token claim) or signature (a signature claim)",
            "token" if body.token is None else "signature",
        )
    try:
        if body.signature is not None:
            claim = await claims_store.verify_signature_claim(
                session, _commoner(principal), claim_id, body.signature
            )
        else:
            assert body.token is not None
            claim = await claims_store.verify_claim(
                session, _commoner(principal), claim_id, body.token
            )
    except SignatureUnavailableError as exc:
        raise ApiError(503, "signatures_unavailable", str(exc), "signature") from None
    except claims_store.ClaimError as exc:
        await session.commit()  # a wrong token counts, even though the request fails
        raise _claim_error(exc) from None
    return _claim_public(claim)


@router.put(
    "/me/payout-account", response_model=PayoutAccountPublic, tags=["payouts"], responses=_AUTH
)
async def put_payout_account(
    body: PayoutAccountUpdate, principal: CommonerDep, session: SessionDep
) -> PayoutAccountPublic:
    """Connect (or change) your payout account; payouts held for you are released."""
    try:
        row, released = await claims_store.connect_account(
            session, _commoner(principal), body.account, body.alias
        )
    except claims_store.ClaimError as exc:
        raise _claim_error(exc) from None
    return PayoutAccountPublic(
        account=row.account,
        alias=row.alias,
        connected_at=row.connected_at,
        released=[
            ReleasedLine(line_id=line.id, amount_minor=line.amount_minor, currency=line.currency)
            for line in released
        ],
    )


@router.get("/me/statements", response_model=StatementsPage, tags=["payouts"], responses=_AUTH)
async def my_statements(
    principal: CommonerDep, session: SessionDep, page: PageParamsDep
) -> StatementsPage:
    """Per period and commons: your score, the contributions that earned it, the amount
    and its status (pending, paid, unclaimed, carried); `next`: the following page."""
    try:
        found = await statements_page(
            session, _commoner(principal), limit=page.limit, cursor=page.cursor
        )
    except CursorError as exc:
        raise ApiError(422, "invalid_cursor", str(exc), "cursor") from None
    return StatementsPage(
        items=[StatementPublic(**vars_of(s)) for s in found.items], next=found.next_cursor
    )


def vars_of(statement: Any) -> dict[str, Any]:
    return {name: getattr(statement, name) for name in StatementPublic.model_fields}


# --- public-ledger visibility (company) ---------------------------------------------------


class LedgerVisibility(_Input):
    anonymous: bool = Field(description="List your payments as 'anonymous company'.")


@router.put(
    "/me/ledger-visibility", response_model=LedgerVisibility, tags=["payouts"], responses=_AUTH
)
async def put_ledger_visibility(
    body: LedgerVisibility, principal: CompanyDep, session: SessionDep
) -> LedgerVisibility:
    """Whether the public ledgers of the commons you pay name you."""
    row = await session.get(CompanyLedgerPreference, principal.owner_id)
    if row is None:
        session.add(
            CompanyLedgerPreference(organisation_id=principal.owner_id, anonymous=body.anonymous)
        )
    else:
        row.anonymous = body.anonymous
        row.updated_at = utcnow()
    await session.flush()
    return LedgerVisibility(anonymous=body.anonymous)
