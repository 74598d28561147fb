"""Identity claims and payout accounts of commoners.

A commoner claims a commit email; the service makes a one-time token (only its SHA-256 is
stored), valid :data:`TOKEN_TTL`, and puts a message carrying it in the **outbox** (there
is no mail server: the foundation's operator reads it with ``copyfair admin claim-token
CLAIM_ID`` and passes it on; in development the API also answers it). The commoner then
verifies the claim with the token: at most :data:`MAX_ATTEMPTS` wrong tokens, then the
claim is dead and a new one is needed. An email verified by one commoner cannot be
claimed by another.

A commoner connects a payout account (a Stripe Connect ``acct_...`` id); connecting it,
or verifying a claim once it is connected, **releases** the lines held unclaimed for
them: they become pending and are paid by the next payout run of their commons.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.base import utcnow
from service.db.models import (
    ClaimMethod,
    Commons,
    IdentityClaim,
    OutboxMessage,
    PayoutAccount,
    PayoutLine,
    PayoutLineStatus,
    PayoutRun,
)
from service.db.pagination import Page, fetch_page
from service.ledger.store import post
from service.payouts import entries, signatures

__all__ = [
    "list_claims",
    "MAX_ATTEMPTS",
    "TOKEN_TTL",
    "ClaimConflictError",
    "ClaimError",
    "ClaimNotFoundError",
    "NewClaim",
    "connect_account",
    "create_claim",
    "create_signature_claim",
    "normalise_email",
    "release_unclaimed",
    "verified_emails",
    "verify_claim",
    "verify_signature_claim",
]

TOKEN_TTL = timedelta(hours=24)
MAX_ATTEMPTS = 5
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
_ACCOUNT = re.compile(r"^acct_[A-Za-z0-9]{1,64}$")
_ALIAS = re.compile(r"^[\w .@+-]{1,100}$")


class ClaimError(ValueError):
    """A claim or an account that cannot be accepted; ``field`` names the input."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class ClaimNotFoundError(ClaimError):
    """No such claim for this commoner."""


class ClaimConflictError(ClaimError):
    """The email is already verified by another commoner."""


def normalise_email(raw: str) -> str:
    email = raw.strip().lower()
    if len(email) > 320 or not _EMAIL.match(email):
        raise ClaimError(
            f"{raw!r} is not an email address: give the address of your commits "
            "(git log --format=%ae)",
            "email",
        )
    return email


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class NewClaim:
    claim: IdentityClaim
    token: str | None  # None when the email was already verified by this commoner


async def _owner(session: AsyncSession, email: str) -> uuid.UUID | None:
    return await session.scalar(
        select(IdentityClaim.commoner_id).where(
            IdentityClaim.email == email, IdentityClaim.verified_at.is_not(None)
        )
    )


async def _own_claim(
    session: AsyncSession, commoner_id: uuid.UUID, claim_id: uuid.UUID
) -> IdentityClaim:
    """The commoner's claim, locked for its verification; another commoner's claim is not
    found, as one that does not exist."""
    claim = await session.scalar(
        select(IdentityClaim)
        .where(IdentityClaim.id == claim_id, IdentityClaim.commoner_id == commoner_id)
        .with_for_update()
    )
    if claim is None:
        raise ClaimNotFoundError(f"no claim {claim_id} of yours", "claim_id")
    return claim


async def _verified(
    session: AsyncSession, commoner_id: uuid.UUID, claim: IdentityClaim
) -> IdentityClaim:
    """Mark the checked claim verified (its token, if any, spent) and release to the
    commoner the payouts held for its email; unless another commoner verified that email
    in the meantime (by token or signature alike)."""
    owner = await _owner(session, claim.email)
    if owner is not None and owner != commoner_id:
        raise ClaimConflictError(
            f"{claim.email} was verified by another commoner in the meantime", "email"
        )
    claim.verified_at = utcnow()
    claim.token_hash = None
    await session.flush()
    await release_unclaimed(session, commoner_id)
    return claim


async def create_claim(session: AsyncSession, commoner_id: uuid.UUID, raw_email: str) -> NewClaim:
    """A new token claim, with its message in the outbox (flushes, does not commit)."""
    email = normalise_email(raw_email)
    owner = await _owner(session, email)
    if owner == commoner_id:
        done = await session.scalar(
            select(IdentityClaim).where(
                IdentityClaim.email == email,
                IdentityClaim.commoner_id == commoner_id,
                IdentityClaim.verified_at.is_not(None),
            )
        )
        assert done is not None
        return NewClaim(done, None)
    if owner is not None:
        raise ClaimConflictError(
            f"{email} is already verified by another commoner: if it is yours, ask the "
            "foundation to look into it",
            "email",
        )
    token = secrets.token_urlsafe(18)
    claim = IdentityClaim(
        commoner_id=commoner_id,
        email=email,
        method=ClaimMethod.TOKEN.value,
        token_hash=_hash(token),
        expires_at=utcnow() + TOKEN_TTL,
        attempts=0,
    )
    session.add(claim)
    await session.flush()
    session.add(
        OutboxMessage(
            claim_id=claim.id,
            recipient=email,
            subject="Your copyfair verification token",
            body=(
                f"Someone asked to claim {email} as a commoner on copyfair (claim {claim.id}).\n"
                f"If it was you, verify the claim with this token: {token}\n"
                f"It expires at {claim.expires_at:%Y-%m-%d %H:%M} UTC. If it was not you, "
                "ignore this message.\n"
            ),
        )
    )
    await session.flush()
    return NewClaim(claim, token)


async def verify_claim(
    session: AsyncSession, commoner_id: uuid.UUID, claim_id: uuid.UUID, token: str
) -> IdentityClaim:
    """Verify a claim with its token. A wrong token counts an attempt (the caller commits
    even on :class:`ClaimError`, so that the count sticks)."""
    claim = await _own_claim(session, commoner_id, claim_id)
    if claim.verified_at is not None:
        return claim
    if claim.method != ClaimMethod.TOKEN.value or claim.token_hash is None:
        raise ClaimError("this claim is not verified by token", "claim_id")
    if claim.attempts >= MAX_ATTEMPTS:
        raise ClaimError(
            f"too many wrong tokens ({MAX_ATTEMPTS}): make a new claim (POST /v1/me/claims)",
            "token",
        )
    if claim.expires_at is not None and claim.expires_at <= utcnow():
        raise ClaimError("the token has expired: make a new claim (POST /v1/me/claims)", "token")
    if not hmac.compare_digest(_hash(token.strip()), claim.token_hash):
        claim.attempts += 1
        await session.flush()
        left = MAX_ATTEMPTS - claim.attempts
        raise ClaimError(
            f"wrong token: copy it exactly from the message sent to {claim.email} "
            f"({left} attempt(s) left)",
            "token",
        )
    return await _verified(session, commoner_id, claim)


async def create_signature_claim(
    session: AsyncSession, commoner_id: uuid.UUID, raw_email: str
) -> tuple[IdentityClaim, str]:
    """A claim to verify with a signed statement; returns it and the statement to sign."""
    email = normalise_email(raw_email)
    owner = await _owner(session, email)
    if owner is not None and owner != commoner_id:
        raise ClaimConflictError(f"{email} is already verified by another commoner", "email")
    claim = IdentityClaim(
        commoner_id=commoner_id,
        email=email,
        method=ClaimMethod.SIGNATURE.value,
        expires_at=utcnow() + TOKEN_TTL,
        attempts=0,
    )
    session.add(claim)
    await session.flush()
    return claim, signatures.statement_for(str(claim.id), str(commoner_id), email)


async def verify_signature_claim(
    session: AsyncSession, commoner_id: uuid.UUID, claim_id: uuid.UUID, armored: str
) -> IdentityClaim:
    """Verify a signature claim: ``armored`` must sign the claim's statement with a key
    that signed commits of the email in a registered commons' repository."""
    claim = await _own_claim(session, commoner_id, claim_id)
    if claim.verified_at is not None:
        return claim
    if claim.method != ClaimMethod.SIGNATURE.value:
        raise ClaimError("this claim is verified with its token, not a signature", "signature")
    if claim.attempts >= MAX_ATTEMPTS:
        raise ClaimError(
            f"too many failed attempts ({MAX_ATTEMPTS}): make a new claim", "signature"
        )
    if claim.expires_at is not None and claim.expires_at <= utcnow():
        raise ClaimError("the claim has expired: make a new claim", "signature")
    repositories = sorted(
        {repo for repos in await session.scalars(select(Commons.repositories)) for repo in repos}
    )
    keys = await asyncio.to_thread(signatures.trusted_keys, repositories, claim.email)
    if not keys:
        raise ClaimError(
            f"no commit of {claim.email} in the registered repositories is signed with an "
            "SSH key: claim by token instead",
            "signature",
        )
    statement = signatures.statement_for(str(claim.id), str(commoner_id), claim.email).encode()
    for key in keys:
        ok = await asyncio.to_thread(
            signatures.verify_ssh_signature,
            statement,
            armored,
            principal=claim.email,
            key=key,
            namespace=signatures.NAMESPACE,
        )
        if ok:
            break
    else:
        claim.attempts += 1
        await session.flush()
        raise ClaimError(
            "the signature does not verify with a key that signed your commits: sign the "
            f"claim's statement exactly, with namespace {signatures.NAMESPACE}",
            "signature",
        )
    return await _verified(session, commoner_id, claim)


async def list_claims(
    session: AsyncSession, commoner_id: uuid.UUID, *, limit: int, cursor: str | None
) -> Page[IdentityClaim]:
    """A page of the commoner's own claims, oldest first (raises CursorError)."""
    query = select(IdentityClaim).where(IdentityClaim.commoner_id == commoner_id)
    return await fetch_page(session, query, IdentityClaim.id, limit=limit, cursor=cursor)


async def verified_emails(session: AsyncSession, commoner_id: uuid.UUID) -> list[str]:
    rows = await session.scalars(
        select(IdentityClaim.email).where(
            IdentityClaim.commoner_id == commoner_id, IdentityClaim.verified_at.is_not(None)
        )
    )
    return sorted(set(rows))


async def connect_account(
    session: AsyncSession, commoner_id: uuid.UUID, account: str, alias: str | None = None
) -> tuple[PayoutAccount, list[PayoutLine]]:
    """Connect (or replace) the commoner's payout account; release what was held."""
    account = account.strip()
    if not _ACCOUNT.match(account):
        raise ClaimError(
            f"{account!r} is not a Stripe Connect account id: expected acct_ followed by "
            "letters and digits (as shown in your Stripe dashboard)",
            "account",
        )
    if alias is not None:
        alias = alias.strip()
        if not _ALIAS.match(alias):
            raise ClaimError(
                "the alias must be 1 to 100 letters, digits, spaces or . @ + - _", "alias"
            )
    row = await session.get(PayoutAccount, commoner_id)
    if row is None:
        row = PayoutAccount(
            commoner_id=commoner_id,
            account=account,
            alias=alias or f"commoner-{str(commoner_id)[-8:]}",
            connected_at=utcnow(),
        )
        session.add(row)
    else:
        row.account = account
        row.connected_at = utcnow()
        if alias:
            row.alias = alias
    await session.flush()
    released = await release_unclaimed(session, commoner_id)
    # lines waiting for a transfer follow the new account
    waiting = await session.scalars(
        select(PayoutLine).where(
            PayoutLine.commoner_id == commoner_id,
            PayoutLine.status == PayoutLineStatus.PENDING.value,
        )
    )
    for line in waiting:
        line.destination = account
    await session.flush()
    return row, released


async def release_unclaimed(session: AsyncSession, commoner_id: uuid.UUID) -> list[PayoutLine]:
    """Lines held for this commoner (by id, or by a verified email) become pending, with
    a journal entry each, once they have a payout account. Idempotent."""
    account = await session.get(PayoutAccount, commoner_id)
    if account is None:
        return []
    emails = await verified_emails(session, commoner_id)
    mine = PayoutLine.commoner_id == commoner_id
    condition = (
        or_(mine, PayoutLine.commoner_id.is_(None) & PayoutLine.identity.in_(emails))
        if emails
        else mine
    )
    rows = await session.execute(
        select(PayoutLine, PayoutRun.commons_id)
        .join(PayoutRun, PayoutRun.id == PayoutLine.run_id)
        .where(condition, PayoutLine.status == PayoutLineStatus.UNCLAIMED.value)
        .with_for_update(of=PayoutLine)
    )
    released: list[PayoutLine] = []
    for line, commons_id in rows.all():
        line.commoner_id = commoner_id
        line.destination = account.account
        line.status = PayoutLineStatus.PENDING.value
        await post(
            session,
            entries.line_released(
                line.idempotency_key,
                str(commons_id),
                str(commoner_id),
                line.currency,
                line.amount_minor,
            ),
        )
        released.append(line)
    await session.flush()
    return released
