"""A commoner's pages: ``/commoner`` and below, their own data only.

Statements per period (:func:`service.payouts.statements.statements_of`, the function
behind ``GET /v1/me/statements``), the contributions behind each, the payout history (a
plot), identity claims (claim an email, verify it with its token: the functions behind
``POST /v1/me/claims`` and ``.../verify``) and the payout account (``PUT
/v1/me/payout-account``'s function). A statement of a commons and period where the
commoner has none, or another commoner's claim, is the 404 page.
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import PurePath
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from service.api.deps import SessionDep, services
from service.db.base import utcnow
from service.jobs.sources import display_repository
from service.payouts import claims as claims_store
from service.payouts.statements import Statement, statements_of
from service.settings import Environment
from service.web import payout_queries
from service.web.auth import CommonerViewer, apply_session, checked_form
from service.web.errors import not_found, parse_id
from service.web.forms import FieldError, text_field
from service.web.payout_figures import claim_status, payout_history
from service.web.payout_plots import history_plots
from service.web.render import render

router = APIRouter(prefix="/commoner", include_in_schema=False)


def _me(viewer: CommonerViewer) -> uuid.UUID:
    commoner_id = viewer.principal.commoner_id
    assert commoner_id is not None  # a commoner key always names its commoner
    return commoner_id


def repository_label(value: object) -> str:
    """A repository as a commoner sees it: a URL without credentials, or only the name of
    a directory on the service's machine (its path is the server's business)."""
    text = str(value or "")
    if "://" in text or (("@" in text) and (":" in text)):
        return display_repository(text)
    return PurePath(text).name or "—"


def _statement_path(s: Statement) -> str:
    return f"/commoner/statements/{s.commons_id}/{s.period}"


@router.get("")
async def overview(request: Request, viewer: CommonerViewer, session: SessionDep) -> Response:
    me = _me(viewer)
    statements = await statements_of(session, me)
    plots = await asyncio.to_thread(history_plots, payout_history(statements))
    claims = await payout_queries.commoner_claims(session, me)
    now = utcnow()
    return render(
        request,
        "commoner/home.html",
        {
            "title": "Your account",
            "statements": statements[:5],
            "statement_count": len(statements),
            "path_of": _statement_path,
            "plots": plots,
            "verified": sorted(
                {
                    c.email
                    for c in claims
                    if claim_status(c.verified_at, c.expires_at, now) == "verified"
                }
            ),
            "account": await payout_queries.payout_account(session, me),
        },
    )


@router.get("/statements")
async def statements(request: Request, viewer: CommonerViewer, session: SessionDep) -> Response:
    rows = await statements_of(session, _me(viewer))
    plots = await asyncio.to_thread(history_plots, payout_history(rows))
    return render(
        request,
        "commoner/statements.html",
        {"title": "Statements", "rows": rows, "plots": plots, "path_of": _statement_path},
    )


@router.get("/statements/{commons_id}/{period}")
async def statement_detail(
    commons_id: str, period: str, request: Request, viewer: CommonerViewer, session: SessionDep
) -> Response:
    key = str(parse_id(commons_id, "statement"))
    found = [
        s
        for s in await statements_of(session, _me(viewer))
        if s.commons_id == key and s.period == period
    ]
    if not found:
        raise not_found("statement")
    first = found[0]
    return render(
        request,
        "commoner/statement.html",
        {
            "title": f"Statement: {first.commons_name}, {first.period}",
            "items": found,
            "repository": repository_label,
        },
    )


# --- identity claims -----------------------------------------------------------------------


def _development(request: Request) -> bool:
    return bool(services(request).settings.env is Environment.DEVELOPMENT)


async def _claims_page(
    request: Request,
    viewer: CommonerViewer,
    session: SessionDep,
    *,
    status: int = 200,
    **context: Any,
) -> Response:
    rows = await payout_queries.commoner_claims(session, _me(viewer))
    now = utcnow()
    base: dict[str, Any] = {
        "title": "Identity claims",
        "claims": [(c, claim_status(c.verified_at, c.expires_at, now)) for c in rows],
        "error": None,
        "error_field": None,
        "error_claim": None,
        "notice": None,
        "token": None,
        "email": "",
    }
    base.update(context)
    return render(request, "commoner/claims.html", base, status=status)


@router.get("/claims")
async def claims(request: Request, viewer: CommonerViewer, session: SessionDep) -> Response:
    notice = await _verified_notice(session, _me(viewer), request.query_params.get("verified"))
    return await _claims_page(request, viewer, session, notice=notice)


_CLAIM_STATUS = {
    claims_store.ClaimNotFoundError: 404,
    claims_store.ClaimConflictError: 409,
}


def _label(field: str | None) -> str:
    return {"email": "Email", "token": "Token", "claim_id": "Claim", "signature": "Signature"}.get(
        field or "", "Claim"
    )


@router.post("/claims")
async def create_claim(request: Request, viewer: CommonerViewer, session: SessionDep) -> Response:
    """The form's twin of ``POST /v1/me/claims`` (a token claim)."""
    form = await checked_form(request)
    hint = "Give an email address of your commits (git log --format=%ae)."
    try:
        email = text_field(form, "email", "Email", max_length=320, hint=hint)
        assert email is not None
        made = await claims_store.create_claim(session, _me(viewer), email)
    except FieldError as exc:
        return await _claims_page(
            request, viewer, session, status=422, error=exc.message, error_field="email"
        )
    except claims_store.ClaimError as exc:
        raw = form.get("email")
        return await _claims_page(
            request,
            viewer,
            session,
            status=_CLAIM_STATUS.get(type(exc), 422),
            error=f"{_label(exc.field)}: {exc}",
            error_field="email",
            email=raw if isinstance(raw, str) else "",
        )
    if made.token is None:
        notice = f"{made.claim.email} is already verified as yours."
    else:
        notice = (
            f"Claim made for {made.claim.email}. A message with its token is in the "
            "service's outbox: the foundation's operator passes it on to that address "
            f"(copyfair admin claim-token {made.claim.id}). Enter the token below to verify "
            "the claim; it is valid for 24 hours."
        )
    token = made.token if _development(request) else None
    return await _claims_page(request, viewer, session, notice=notice, token=token)


@router.post("/claims/{claim_id}/verify")
async def verify_claim(
    claim_id: str, request: Request, viewer: CommonerViewer, session: SessionDep
) -> Response:
    """The form's twin of ``POST /v1/me/claims/{id}/verify`` with a token. A wrong token
    counts as an attempt (the page answers without an exception, so the count is kept)."""
    key = parse_id(claim_id, "claim")
    form = await checked_form(request)
    hint = "Copy the token exactly from the message sent to the address."
    try:
        token = text_field(form, "token", "Token", max_length=200, hint=hint)
        assert token is not None
        claim = await claims_store.verify_claim(session, _me(viewer), key, token)
    except FieldError as exc:
        return await _claims_page(
            request, viewer, session, status=422, error=exc.message, error_claim=key
        )
    except claims_store.ClaimNotFoundError:
        raise not_found("claim") from None
    except claims_store.ClaimError as exc:
        return await _claims_page(
            request,
            viewer,
            session,
            status=_CLAIM_STATUS.get(type(exc), 422),
            error=f"{_label(exc.field)}: {exc}",
            error_claim=key,
        )
    return apply_session(
        request,
        RedirectResponse(f"/commoner/claims?verified={claim.id}", status_code=303),
    )


async def _verified_notice(session: SessionDep, me: uuid.UUID, raw: str | None) -> str | None:
    """The notice after a verification (``?verified=CLAIM_ID``, the commoner's own)."""
    try:
        key = uuid.UUID(raw or "")
    except ValueError:
        return None
    claim = next(
        (c for c in await payout_queries.commoner_claims(session, me) if c.id == key), None
    )
    if claim is None or claim.verified_at is None:
        return None
    account = await payout_queries.payout_account(session, me)
    held = (
        f"payouts held for it are released to {account.account} and paid by the commons' "
        "next payout run."
        if account is not None
        else "payouts held for it are released once you connect a payout account."
    )
    return f"{claim.email} is verified: its contributions are credited to you, and {held}"


# --- payout account ------------------------------------------------------------------------


async def _account_page(
    request: Request,
    viewer: CommonerViewer,
    session: SessionDep,
    *,
    status: int = 200,
    **context: Any,
) -> Response:
    base: dict[str, Any] = {
        "title": "Payout account",
        "account": await payout_queries.payout_account(session, _me(viewer)),
        "error": None,
        "error_field": None,
        "notice": None,
        "released": [],
        "value": "",
        "alias": "",
    }
    base.update(context)
    return render(request, "commoner/account.html", base, status=status)


@router.get("/payout-account")
async def payout_account(request: Request, viewer: CommonerViewer, session: SessionDep) -> Response:
    return await _account_page(request, viewer, session)


@router.post("/payout-account")
async def connect_account(
    request: Request, viewer: CommonerViewer, session: SessionDep
) -> Response:
    """The form's twin of ``PUT /v1/me/payout-account``: held payouts are released."""
    form = await checked_form(request)
    raw_account, raw_alias = form.get("account"), form.get("alias")
    typed = {
        "value": raw_account if isinstance(raw_account, str) else "",
        "alias": raw_alias if isinstance(raw_alias, str) else "",
    }
    try:
        account = text_field(
            form,
            "account",
            "Account",
            max_length=100,
            hint="Give your Stripe Connect account id, acct_… (from your Stripe dashboard).",
        )
        alias = text_field(
            form,
            "alias",
            "Alias",
            max_length=100,
            hint="Give the name the public ledger shows, or leave it empty.",
            required=False,
        )
        assert account is not None
        row, released = await claims_store.connect_account(session, _me(viewer), account, alias)
    except FieldError as exc:
        return await _account_page(
            request, viewer, session, status=422, error=exc.message, error_field=exc.field, **typed
        )
    except claims_store.ClaimError as exc:
        field = exc.field or "account"
        return await _account_page(
            request,
            viewer,
            session,
            status=422,
            error=f"{field.capitalize()}: {exc}",
            error_field=field,
            **typed,
        )
    notice = f"Payouts now go to {row.account}; the public ledger lists you as {row.alias}."
    return await _account_page(request, viewer, session, notice=notice, released=released)


@router.get("/{rest:path}")
async def unknown_page(rest: str, viewer: CommonerViewer) -> Response:
    """Any other address below ``/commoner`` is the 404 page (not the API's JSON)."""
    raise not_found("page")
