"""A migrated database per test (SQLite, and PostgreSQL when reachable), a commons with a
real git history, commoners with claims and accounts, and ledger inflows at a chosen time."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from service.db.accounts import create_commoner, create_organisation
from service.db.engine import create_engine, create_session_factory
from service.db.models import (
    Commons,
    OrganisationKind,
    PayoutPolicyRecord,
)
from service.ledger import journal
from service.ledger.store import post
from service.payouts.claims import connect_account, create_claim, verify_claim
from service.settings import Settings
from tests.scanners.contributions.repos import commons_repo
from tests.service.api.conftest import (  # noqa: F401 - fixtures
    database_url,
    postgres_url,
    sqlite_template,
)

TABLES = (
    "ledger_entries",
    "ledger_transactions",
    "commons",
    "api_keys",
    "commoners",
    "organisations",
)


@pytest.fixture(scope="session")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("payouts-history") / "commons"
    commons_repo(root)
    return root


@pytest_asyncio.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:  # noqa: F811
    engine = create_engine(Settings(database_url=database_url))
    if not database_url.startswith("sqlite"):
        async with engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {', '.join(TABLES)} CASCADE"))
    yield engine
    await engine.dispose()


@pytest_asyncio.fixture
async def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_session_factory(engine)


async def post_at(session: AsyncSession, transaction: journal.Transaction, when: datetime) -> None:
    """Write a transaction as if recorded at ``when`` (the store stamps now by default)."""
    await post(session, transaction, at=when)


async def pay_into_pool(
    session: AsyncSession,
    commons_id: str,
    company_id: str,
    amount_minor: int,
    when: datetime,
    fee_minor: int = 0,
    currency: str = "EUR",
) -> None:
    """An invoice issued and paid for ``commons_id``, at ``when``."""
    ref = uuid.uuid4().hex
    parts = [(commons_id, amount_minor)]
    await post_at(
        session, journal.invoice_issued(f"issue:{ref}", company_id, currency, parts), when
    )
    await post_at(
        session,
        journal.payment_received(f"payment:{ref}", company_id, currency, parts, fee_minor),
        when,
    )


@dataclass(frozen=True)
class World:
    foundation_id: uuid.UUID
    company_id: uuid.UUID
    commons_id: uuid.UUID
    people: dict[str, uuid.UUID]  # name -> commoner id


async def make_commoner(
    session: AsyncSession, name: str, email: str | None, account: str | None
) -> uuid.UUID:
    person = await create_commoner(session, name, email)
    if email is not None:
        claim = await create_claim(session, person.id, email)
        assert claim.token is not None
        await verify_claim(session, person.id, claim.claim.id, claim.token)
    if account is not None:
        await connect_account(session, person.id, account, alias=name.lower())
    return person.id


async def make_world(
    sessions: async_sessionmaker[AsyncSession],
    repo: Path,
    *,
    policy: dict[str, object] | None = None,
    accounts: dict[str, str | None] | None = None,
) -> World:
    """A foundation, a company, a commons over ``repo``, and the registered commoners
    (name -> payout account or None for a verified claim without one)."""
    accounts = (
        {"Alice": "acct_alice", "Bob": "acct_bob", "Carol": None} if accounts is None else accounts
    )
    async with sessions() as session:
        foundation = await create_organisation(session, OrganisationKind.FOUNDATION, "Geo")
        company = await create_organisation(session, OrganisationKind.COMPANY, "Acme GmbH")
        commons = Commons(
            organisation_id=foundation.id,
            name="Geo Commons",
            licence="ppl",
            payee="geo",
            repositories=[str(repo), "https://github.com/geo/geo-commons"],
            match={},
            reciprocity={"model": "flat", "currency": "EUR", "flat_amount_year": 1000},
        )
        session.add(commons)
        await session.flush()
        if policy is not None:
            session.add(PayoutPolicyRecord(commons_id=commons.id, policy=policy))
        people = {
            name: await make_commoner(session, name, f"{name.lower()}@example.org", account)
            for name, account in accounts.items()
        }
        await session.commit()
        return World(foundation.id, company.id, commons.id, people)
