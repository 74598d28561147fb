"""Builders of stored rows for billing tests: organisations, commons, and a report with its
obligations, inserted directly (the reports API is not needed)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.db.models import Commons, ObligationRecord, Organisation, Report

PERIOD = "2026-11"


@dataclass
class World:
    """Two foundations (geo owns commons ``geo`` and ``maps``, other owns ``tiles``), two
    companies."""

    geo_foundation: uuid.UUID = field(default_factory=uuid.uuid4)
    other_foundation: uuid.UUID = field(default_factory=uuid.uuid4)
    acme: uuid.UUID = field(default_factory=uuid.uuid4)
    globex: uuid.UUID = field(default_factory=uuid.uuid4)
    commons: dict[str, uuid.UUID] = field(default_factory=dict)


async def make_world(sessions: async_sessionmaker[AsyncSession]) -> World:
    world = World()
    async with sessions() as session:
        session.add_all(
            [
                Organisation(id=world.geo_foundation, kind="foundation", name="Geo Foundation"),
                Organisation(id=world.other_foundation, kind="foundation", name="Other"),
                Organisation(id=world.acme, kind="company", name="Acme"),
                Organisation(id=world.globex, kind="company", name="Globex"),
            ]
        )
        await session.flush()
        for name, owner in (
            ("geo", world.geo_foundation),
            ("maps", world.geo_foundation),
            ("tiles", world.other_foundation),
        ):
            commons = Commons(
                organisation_id=owner,
                name=name,
                licence="ppl",
                payee=f"{name}-payee",
                repositories=[],
                match={},
            )
            session.add(commons)
            await session.flush()
            world.commons[name] = commons.id
        await session.commit()
    return world


@dataclass(frozen=True)
class Row:
    company: uuid.UUID
    commons: uuid.UUID | None
    amount: int | None
    currency: str | None = "EUR"
    status: str = "owed"
    kind: str = "reciprocity-payment"
    period: str = PERIOD
    component: str = ""


async def store_obligations(
    sessions: async_sessionmaker[AsyncSession], world: World, rows: list[Row]
) -> list[uuid.UUID]:
    """One report per company holding ``rows``; returns the obligations' ids in order."""
    ids = []
    async with sessions() as session:
        reports: dict[tuple[uuid.UUID, str], Report] = {}
        for n, row in enumerate(rows):
            key = (row.company, row.period)
            if key not in reports:
                report = Report(
                    company_id=row.company, project="app", period=row.period, scan={}, summary={}
                )
                session.add(report)
                await session.flush()
                reports[key] = report
            foundation = None
            if row.commons is not None:
                owner = await session.get(Commons, row.commons)
                foundation = owner.organisation_id if owner else None
            record = ObligationRecord(
                report_id=reports[key].id,
                company_id=row.company,
                commons_id=row.commons,
                foundation_id=foundation,
                project="app",
                component_id=row.component or f"pkg:pypi/component-{n}",
                licence="LicenseRef-PPL",
                kind=row.kind,
                status=row.status,
                period=row.period,
                amount_minor=row.amount,
                currency=row.currency,
                payee="payee",
                reason="commercial use by a wage-labour company",
                clause="PPL 1(c)",
                evidence=[],
            )
            session.add(record)
            await session.flush()
            ids.append(record.id)
        await session.commit()
    return ids


async def statuses(sessions: async_sessionmaker[AsyncSession], ids: list[uuid.UUID]) -> list[str]:
    async with sessions() as session:
        out = []
        for key in ids:
            record = await session.get(ObligationRecord, key)
            assert record is not None
            await session.refresh(record)
            out.append(record.status)
        return out


async def add_commons(
    sessions: async_sessionmaker[AsyncSession], owner: uuid.UUID, name: str
) -> uuid.UUID:
    """A commons registered by the foundation ``owner``."""
    async with sessions() as session:
        commons = Commons(
            organisation_id=owner,
            name=name,
            licence="ppl",
            payee=f"{name}-payee",
            repositories=[],
            match={},
        )
        session.add(commons)
        await session.commit()
        return commons.id
