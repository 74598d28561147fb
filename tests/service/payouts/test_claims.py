"""Identity claims: the token reaches the operator through the outbox only, wrong tokens
are counted, expired and conflicting claims are refused."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.cli.admin_cmd import admin
from service.db.accounts import create_commoner
from service.db.base import utcnow
from service.db.engine import create_engine, create_session_factory
from service.db.migrate import upgrade
from service.db.models import IdentityClaim, OutboxMessage
from service.payouts.claims import (
    MAX_ATTEMPTS,
    ClaimConflictError,
    ClaimError,
    connect_account,
    create_claim,
    verify_claim,
)
from service.settings import Settings


@pytest.mark.asyncio
async def test_the_token_is_stored_hashed_and_sent_through_the_outbox(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        ada = await create_commoner(session, "Ada")
        made = await create_claim(session, ada.id, "Ada@Example.org")
        assert made.token is not None
        assert made.claim.token_hash != made.token and made.token not in made.claim.token_hash
        message = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.claim_id == made.claim.id)
        )
        assert message is not None and message.recipient == "ada@example.org"
        assert made.token in message.body
        for attempt in range(MAX_ATTEMPTS):
            with pytest.raises(ClaimError, match="wrong token"):
                await verify_claim(session, ada.id, made.claim.id, f"guess-{attempt}")
        with pytest.raises(ClaimError, match="too many"):
            await verify_claim(session, ada.id, made.claim.id, made.token)


@pytest.mark.asyncio
async def test_expired_and_conflicting_claims_are_refused(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        ada = await create_commoner(session, "Ada")
        eve = await create_commoner(session, "Eve")
        old = await create_claim(session, ada.id, "ada@example.org")
        await session.execute(
            update(IdentityClaim)
            .where(IdentityClaim.id == old.claim.id)
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
        assert old.token is not None
        with pytest.raises(ClaimError, match="expired"):
            await verify_claim(session, ada.id, old.claim.id, old.token)
        fresh = await create_claim(session, ada.id, "ada@example.org")
        rival = await create_claim(session, eve.id, "ada@example.org")
        assert fresh.token is not None and rival.token is not None
        await verify_claim(session, ada.id, fresh.claim.id, fresh.token)
        with pytest.raises(ClaimConflictError):
            await verify_claim(session, eve.id, rival.claim.id, rival.token)
        with pytest.raises(ClaimConflictError):
            await create_claim(session, eve.id, "ADA@example.org")
        again = await create_claim(session, ada.id, "ada@example.org")
        assert again.token is None and again.claim.verified_at is not None
        with pytest.raises(ClaimError) as bad:
            await connect_account(session, ada.id, "acct_with space")
        assert bad.value.field == "account"


def test_the_operator_reads_the_token_with_admin_claim_token(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/claims.db"

    async def setup() -> tuple[str, str]:
        engine = create_engine(Settings(database_url=url))
        try:
            await upgrade(engine)
            async with create_session_factory(engine)() as session:
                ada = await create_commoner(session, "Ada")
                made = await create_claim(session, ada.id, "ada@example.org")
                await session.commit()
                return str(ada.id), str(made.claim.id)
        finally:
            await engine.dispose()

    async def verify(commoner: str, claim: str, token: str) -> bool:
        import uuid

        engine = create_engine(Settings(database_url=url))
        try:
            async with create_session_factory(engine)() as session:
                done = await verify_claim(session, uuid.UUID(commoner), uuid.UUID(claim), token)
                await session.commit()
                return done.verified_at is not None
        finally:
            await engine.dispose()

    commoner, claim = asyncio.run(setup())
    runner = CliRunner(env={"COPYFAIR_DATABASE_URL": url})
    shown = runner.invoke(admin, ["claim-token", claim], catch_exceptions=False)
    assert shown.exit_code == 0, shown.stderr
    assert shown.stdout.startswith("To: ada@example.org\n")
    found = re.search(r"with this token: (\S+)", shown.stdout)
    assert found is not None
    assert asyncio.run(verify(commoner, claim, found.group(1)))
    missing = runner.invoke(admin, ["claim-token", "00000000-0000-0000-0000-000000000000"])
    assert missing.exit_code == 2 and "no message" in missing.stderr
