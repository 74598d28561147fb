"""Payouts for the dashboard's tests, made by the real functions: a second commons of the
seeded foundation ("Geo Tiles") over a real git history, its pool funded through the
journal, a payout policy with both anti-concentration options (quadratic, and a cap), Ada
(the seeded commoner) with a verified claim and a payout account, Bob with a verified claim
and no account (held), Carol not registered (held), and three monthly runs made by
:func:`service.payouts.runs.run_payouts`. Plus a run of the other foundation's commons, for
the tenant checks.

- 2026-08: Ada and Bob; 2026-09: Bob and Carol only; 2026-10: all three, Ada the most.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from git import Actor
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.db.accounts import create_commoner, create_key
from service.db.commons import create_commons
from service.db.models import Commons, PayoutPolicyRecord, PayoutRun
from service.ledger import journal
from service.payouts.claims import connect_account, create_claim, verify_claim
from service.payouts.runs import run_payouts
from service.transfers.manual import ManualProvider
from tests.scanners.contributions.repos import commit, lines, new_repo
from tests.service.web.seed import World, _post_at

ADA = Actor("Ada", "ada@example.org")
BOB = Actor("Bob", "bob@example.org")
CAROL = Actor("Carol", "carol@example.org")
POLICY = {"method": "quadratic", "cap_percent": "50", "foundation_share_percent": "10"}
FUNDS = {"2026-08": 8_000, "2026-09": 10_000, "2026-10": 30_000}  # paid in that month
ADA_ACCOUNT = "acct_ada123"
PERIODS = tuple(FUNDS)


@dataclass(frozen=True)
class PayoutWorld:
    commons_id: uuid.UUID
    repository: Path
    runs: dict[str, uuid.UUID]  # period -> run id
    other_run_id: uuid.UUID  # the other foundation's
    bob_key: str


def tiles_history(root: Path) -> Path:
    """The commons' history: who committed what, when (UTC)."""
    repo = new_repo(root)
    history: list[tuple[Actor, str, dict[str, str | bytes]]] = [
        (ADA, "2026-08-04", {"tiles.py": lines(120, "tile")}),
        (ADA, "2026-08-11", {"render.py": lines(60, "render")}),
        (BOB, "2026-08-20", {"docs.md": lines(10, "doc")}),
        (BOB, "2026-09-03", {"docs.md": lines(25, "doc")}),
        (CAROL, "2026-09-15", {"ci.yml": lines(8, "ci")}),
        (ADA, "2026-10-01", {"tiles.py": lines(300, "tile")}),
        (ADA, "2026-10-06", {"cache.py": lines(200, "cache")}),
        (ADA, "2026-10-09", {"render.py": lines(150, "render")}),
        (ADA, "2026-10-14", {"index.py": lines(90, "index")}),
        (BOB, "2026-10-16", {"docs.md": lines(40, "doc")}),
        (CAROL, "2026-10-22", {"ci.yml": lines(12, "ci")}),
    ]
    for author, day, files in history:
        commit(repo, author, f"{day}T10:00:00+00:00", files)
    return root


async def _claim(session: AsyncSession, commoner_id: uuid.UUID, email: str) -> None:
    made = await create_claim(session, commoner_id, email)
    assert made.token is not None
    await verify_claim(session, commoner_id, made.claim.id, made.token)


async def seed_payouts(
    sessions: async_sessionmaker[AsyncSession], world: World, root: Path
) -> PayoutWorld:
    repository = tiles_history(root / "geo-tiles")
    async with sessions() as session:
        commons = await create_commons(
            session,
            organisation_id=world.foundation.id,
            name="Geo Tiles",
            licence="PPL",
            payee="geo-commons-foundation",
            repositories=[str(repository)],
            match={"packages": ["geo-tiles"], "purls": [], "licences": []},
            reciprocity={"model": "flat", "currency": "EUR", "flat_amount_year": 500},
        )
        session.add(PayoutPolicyRecord(commons_id=commons.id, policy=dict(POLICY)))
        for period, amount in FUNDS.items():
            when = datetime(int(period[:4]), int(period[5:]), 12, tzinfo=UTC)
            parts = [(str(commons.id), amount)]
            company = str(world.company.id)
            ref = f"tiles-{period}"
            issued = journal.invoice_issued(f"issue:{ref}", company, "EUR", parts)
            await _post_at(session, issued, when)
            paid = journal.payment_received(f"payment:{ref}", company, "EUR", parts, 0)
            await _post_at(session, paid, when)
        await _claim(session, world.commoner.id, "ada@example.org")
        await connect_account(session, world.commoner.id, ADA_ACCOUNT, alias="ada")
        bob = await create_commoner(session, "Bob", "bob@example.org")
        bob_key = await create_key(session, commoner_id=bob.id)
        await _claim(session, bob.id, "bob@example.org")
        other_run = PayoutRun(
            commons_id=world.other_commons_id,
            period="2026-10",
            currency="EUR",
            pool_minor=0,
            allocation={"pool_minor": 0, "currency": "EUR", "payouts": []},
        )
        session.add(other_run)
        await session.commit()
        commons_id, other_run_id = commons.id, other_run.id
    runs: dict[str, uuid.UUID] = {}
    provider = ManualProvider()
    for period in PERIODS:
        async with sessions() as session:
            row = await session.get(Commons, commons_id)
        assert row is not None
        report = await run_payouts(sessions, provider, row, period)
        runs[period] = uuid.UUID(report.run_id)
    return PayoutWorld(commons_id, repository, runs, other_run_id, bob_key.token)
