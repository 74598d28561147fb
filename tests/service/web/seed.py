"""A small world for the dashboard's tests, written straight to the database: two
foundations with a commons each, two companies, reports, obligations (overdue, paid,
invoiced, exempt), invoices, and the journal entries a paid and a refunded invoice leave.

The ledger is written with the journal's own transactions (issued, paid with a fee, partly
refunded), so the public page's totals can be checked against :func:`balances`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.db.accounts import create_commoner, create_key, create_organisation
from service.db.commons import create_commons
from service.db.models import (
    Invoice,
    InvoiceLine,
    ObligationRecord,
    OrganisationKind,
    Report,
)
from service.ledger import journal
from service.ledger.store import post

PAID_FEE_MINOR = 317  # fee withheld on the paid invoice
REFUND_MINOR = 1_999  # part of it given back
PAID_MINOR = 20_000
INVOICED_MINOR = 12_345
OVERDUE_MINOR = 50_001


@dataclass(frozen=True)
class Account:
    id: uuid.UUID
    key_id: uuid.UUID
    key: str
    name: str


@dataclass(frozen=True)
class World:
    foundation: Account
    other_foundation: Account
    company: Account
    other_company: Account
    commoner: Account
    commons_id: uuid.UUID
    other_commons_id: uuid.UUID
    report_ids: tuple[uuid.UUID, ...]
    other_report_id: uuid.UUID
    paid_invoice_id: uuid.UUID


def _scan(components: list[dict[str, object]]) -> dict[str, object]:
    return {"schema_version": "1", "target": ".", "components": components, "files": []}


def _component(name: str, licence: str, category: str) -> dict[str, object]:
    return {"id": f"pkg:pypi/{name}", "name": name, "kind": "dependency", "licence": licence,
            "category": category}  # fmt: skip


def _summary(counts: dict[str, int]) -> dict[str, object]:
    """The shape :mod:`service.reports.derive` stores: counts per status, usage."""
    return {"counts": counts, "usage": {"commercial": "yes", "uses": ["internal"]}}


async def _post_at(session: AsyncSession, transaction: journal.Transaction, at: datetime) -> None:
    """A journal transaction dated ``at`` (so the plots span months)."""
    await post(session, transaction, at=at)


async def _org(session: AsyncSession, kind: OrganisationKind, name: str) -> Account:
    org = await create_organisation(session, kind, name)
    key = await create_key(session, organisation_id=org.id)
    return Account(org.id, key.id, key.token, name)


async def seed(sessions: async_sessionmaker[AsyncSession]) -> World:
    async with sessions() as session:
        foundation = await _org(session, OrganisationKind.FOUNDATION, "Geo Commons Foundation")
        other_foundation = await _org(session, OrganisationKind.FOUNDATION, "Other Foundation")
        company = await _org(session, OrganisationKind.COMPANY, "Acme Analytics GmbH")
        other_company = await _org(session, OrganisationKind.COMPANY, "Globex Corp")
        person = await create_commoner(session, "Ada", "ada@example.org")
        person_key = await create_key(session, commoner_id=person.id)
        commoner = Account(person.id, person_key.id, person_key.token, "Ada")
        schedule = {"model": "per-developer", "currency": "EUR", "amount_per_developer_year": 2000}
        commons = await create_commons(
            session,
            organisation_id=foundation.id,
            name="Geo Commons Library",
            licence="PPL",
            payee="geo-commons-foundation",
            repositories=["https://git.example.org/geo/geo-commons", "/srv/git/geo"],
            match={"packages": ["geo-commons"], "purls": [], "licences": []},
            reciprocity=schedule,
        )
        other = await create_commons(
            session,
            organisation_id=other_foundation.id,
            name="Secret Other Commons",
            licence="CC-BY-NC-4.0",
            payee="other",
            repositories=[],
            match={"packages": ["other-lib"], "purls": [], "licences": []},
            reciprocity=None,
        )
        reports = []
        for when, counts, components in (
            (datetime(2026, 8, 3, 9, 0, tzinfo=UTC), {"owed": 1, "needs-declaration": 1}, [
                _component("geo-commons", "PPL", "copyfair"),
                _component("mystery", "NOASSERTION", "unknown"),
                _component("requests", "Apache-2.0", "permissive"),
            ]),
            (datetime(2026, 9, 2, 9, 0, tzinfo=UTC), {"owed": 1}, [
                _component("geo-commons", "PPL", "copyfair"),
                _component("requests", "Apache-2.0", "permissive"),
            ]),
            (datetime(2026, 10, 5, 9, 0, tzinfo=UTC), {"owed": 1, "exempt": 1}, [
                _component("geo-commons", "PPL", "copyfair"),
                _component("requests", "Apache-2.0", "permissive"),
                _component("other-lib", "CC-BY-NC-4.0", "noncommercial"),
            ]),
        ):  # fmt: skip
            report = Report(
                company_id=company.id,
                project="acme-maps",
                period=when.strftime("%Y-%m"),
                scan=_scan(components),
                summary=_summary(counts),
                created_at=when,
            )
            session.add(report)
            reports.append(report)
        other_report = Report(
            company_id=other_company.id,
            project="globex-secret-project",
            period="2026-10",
            scan=_scan([_component("other-lib", "CC-BY-NC-4.0", "noncommercial")]),
            summary={},
        )
        session.add(other_report)
        await session.flush()

        def obligation(
            report: Report, period: str, status: str, amount: int | None, **extra: object
        ) -> ObligationRecord:
            row = ObligationRecord(
                report_id=report.id,
                company_id=report.company_id,
                commons_id=extra.get("commons_id", commons.id),
                foundation_id=extra.get("foundation_id", foundation.id),
                project=report.project,
                component_id=str(extra.get("component", "pkg:pypi/geo-commons")),
                licence=str(extra.get("licence", "PPL")),
                kind=str(extra.get("kind", "reciprocity-payment")),
                status=status,
                period=period,
                amount_minor=amount,
                currency="EUR" if amount is not None else None,
                payee="geo-commons-foundation",
                reason=str(extra.get("reason", "commercial use by a wage-labour company")),
                clause="PPL §1(c)",
                evidence=[
                    {"path": "requirements.txt", "line": 7, "method": "manifest", "licence": "PPL"},
                ],  # fmt: skip
            )
            session.add(row)
            return row

        overdue = obligation(reports[0], "2026-08", "owed", OVERDUE_MINOR)
        paid = obligation(reports[1], "2026-09", "paid", PAID_MINOR)
        invoiced = obligation(reports[2], "2026-10", "invoiced", INVOICED_MINOR)
        obligation(
            reports[2], "2026-10", "exempt", None, kind="attribution",
            component="pkg:pypi/requests", licence="Apache-2.0", reason="permissive licence",
        )  # fmt: skip
        obligation(
            other_report, "2026-10", "owed", 777, commons_id=other.id,
            foundation_id=other_foundation.id, component="pkg:pypi/other-lib",
        )  # fmt: skip
        await session.flush()

        paid_invoice = Invoice(
            company_id=str(company.id), currency="EUR", period="2026-09", status="paid",
            gateway="manual", amount_paid_minor=PAID_MINOR, fee_minor=PAID_FEE_MINOR,
            refunded_minor=REFUND_MINOR, paid_at=datetime(2026, 10, 10, tzinfo=UTC),
            created_at=datetime(2026, 10, 1, tzinfo=UTC),
        )  # fmt: skip
        open_invoice = Invoice(
            company_id=str(company.id), currency="EUR", period="2026-10", status="open",
            gateway="manual", created_at=datetime(2026, 11, 2, tzinfo=UTC),
        )  # fmt: skip
        session.add_all([paid_invoice, open_invoice])
        await session.flush()
        session.add_all([
            InvoiceLine(invoice_id=paid_invoice.id, obligation_id=str(paid.id),
                        commons_id=str(commons.id), amount_minor=PAID_MINOR, status="paid"),
            InvoiceLine(invoice_id=open_invoice.id, obligation_id=str(invoiced.id),
                        commons_id=str(commons.id), amount_minor=INVOICED_MINOR),
        ])  # fmt: skip
        per = [(str(commons.id), PAID_MINOR)]
        co = str(company.id)
        issued = journal.invoice_issued(f"issue:{paid_invoice.id}", co, "EUR", per)
        await _post_at(session, issued, datetime(2026, 10, 1, tzinfo=UTC))
        payment = journal.payment_received(
            f"payment:{paid_invoice.id}", co, "EUR", per, PAID_FEE_MINOR
        )
        await _post_at(session, payment, datetime(2026, 10, 10, tzinfo=UTC))
        refund = journal.reversal("refund", f"refund:{paid_invoice.id}", "EUR", per, REFUND_MINOR)
        await _post_at(session, refund, datetime(2026, 11, 5, tzinfo=UTC))
        second = journal.invoice_issued(
            f"issue:{open_invoice.id}", co, "EUR", [(str(commons.id), INVOICED_MINOR)]
        )
        await _post_at(session, second, datetime(2026, 11, 2, tzinfo=UTC))
        del overdue
        await session.commit()
        return World(
            foundation=foundation,
            other_foundation=other_foundation,
            company=company,
            other_company=other_company,
            commoner=commoner,
            commons_id=commons.id,
            other_commons_id=other.id,
            report_ids=tuple(r.id for r in reports),
            other_report_id=other_report.id,
            paid_invoice_id=paid_invoice.id,
        )
