"""Schemathesis over the whole OpenAPI schema: no operation ever answers 5xx.

Every operation of ``/openapi.json`` gets a few generated requests, valid ones (that fit the
schema), invalid ones (that do not) and valid ones aimed at rows that exist, each sent with
the key of a foundation, a company, a commoner or no key at all. The app runs in-process
(Schemathesis' ASGI client, one event loop for the whole run) on SQLite and on PostgreSQL,
where NUL bytes and out-of-range integers are the classic extra failures. Bounded so that
the whole run stays well under a minute per backend.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import response_schema_conformance
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Ok
from schemathesis.generation import GenerationMode
from schemathesis.python.asgi import shutdown_lifespans
from sqlalchemy import text

from service.api import create_app
from service.api.routes.webhooks import BillingContext
from service.billing.config import BillingConfig
from service.billing.manual import ManualGateway
from service.db.models import OrganisationKind
from service.settings import Settings
from tests.service.api.conftest import TABLES, commons_body, make_commoner, make_organisation
from tests.service.api.report_fixtures import scan_doc
from tests.service.billing.conftest import WEBHOOK_SECRET
from tests.service.transfers_fake import RecordingProvider

EXAMPLES_PER_MODE = 8
# without a key most requests stop at 401: the roles with keys are drawn more often
ROLES = ("foundation", "company", "commoner") * 3 + ("anonymous",)


@dataclass(frozen=True)
class Seeded:
    headers: dict[str, dict[str, str]]  # role -> request headers
    ids: dict[str, str]  # path parameter name -> the id of a row that exists


def _configured(app: FastAPI) -> FastAPI:
    """The manual billing gateway with a webhook secret, funds kept by the operator, and a
    payout provider that records: every route can do its work offline."""
    app.state.billing = BillingContext(
        BillingConfig(stripe_webhook_secret=WEBHOOK_SECRET), ManualGateway()
    )
    app.state.foundation_transfers = None  # the operator is the foundation
    app.state.payout_provider = RecordingProvider()
    return app


async def _seed(settings_: Settings) -> Seeded:
    """A foundation with a commons, a company with a report (and so obligations), a
    commoner with a claim; built by an app of its own, shut down before the run."""
    app = _configured(create_app(settings_))
    async with app.router.lifespan_context(app):
        if not settings_.is_sqlite:
            async with app.state.services.engine.begin() as conn:
                await conn.execute(text(f"TRUNCATE {', '.join(TABLES)} CASCADE"))
        foundation = await make_organisation(app, OrganisationKind.FOUNDATION, "Geo Foundation")
        company = await make_organisation(app, OrganisationKind.COMPANY, "Acme Analytics")
        commoner = await make_commoner(app, "Ada")
        transport = ASGITransport(app=app)
        async with AsyncClient(transport=transport, base_url="http://testserver") as client:
            made = await client.post("/v1/commons", json=commons_body(), headers=foundation.headers)
            assert made.status_code == 201, made.text
            commons_id = made.json()["id"]
            body = {"scan": scan_doc(), "period": "2026-11", "project": "p"}
            report = await client.post("/v1/reports", json=body, headers=company.headers)
            assert report.status_code == 201, report.text
            obligation_id = report.json()["obligations"][0]["id"]
            claim = await client.post(
                "/v1/me/claims", json={"email": "ada@example.org"}, headers=commoner.headers
            )
            assert claim.status_code == 201, claim.text
            run = await client.post(
                "/v1/billing/runs", json={"period": "2026-11"}, headers=foundation.headers
            )
            assert run.status_code == 202, run.text
            invoices = await client.get("/v1/invoices", headers=company.headers)
            [invoice] = invoices.json()["items"]
    return Seeded(
        headers={
            "foundation": foundation.headers,
            "company": company.headers,
            "commoner": commoner.headers,
            "anonymous": {},
        },
        ids={
            "commons_id": commons_id,
            "report_id": report.json()["id"],
            "obligation_id": obligation_id,
            "claim_id": claim.json()["id"],
            "run_id": run.json()["id"],
            "invoice_id": invoice["id"],
        },
    )


@pytest.fixture
def seeded_settings(database_url: str) -> Iterator[tuple[Settings, Seeded]]:
    settings_ = Settings(database_url=database_url, max_body_bytes=64 * 1024)
    yield settings_, asyncio.run(_seed(settings_))


def _strategies(operation: Any, seeded: Seeded) -> st.SearchStrategy[Any]:
    real = {p.name: seeded.ids.get(p.name, str(uuid.uuid4())) for p in operation.path_parameters}
    modes = [
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    ]
    if real:
        modes.append(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=real))
    return st.one_of(modes)


def _run_operation(operation: Any, seeded: Seeded, seen: set[int]) -> None:
    @given(case=_strategies(operation, seeded), role=st.sampled_from(ROLES))
    @settings(
        max_examples=3 * EXAMPLES_PER_MODE,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any, role: str) -> None:
        response = case.call(headers=seeded.headers[role])
        seen.add(response.status_code)
        # 503 is a deliberate answer (a processor or provider not configured), with its advice
        assert response.status_code < 500 or response.status_code == 503, (
            f"{response.status_code} {response.text[:500]}\n{case.as_curl_command()}"
        )
        if response.status_code >= 400:
            error = response.json()["error"]
            assert error["code"] and error["message"], response.text
        # the body is the documented model of its status code
        case.validate_response(response, checks=[response_schema_conformance])

    run()


def test_no_operation_answers_a_server_error(seeded_settings: tuple[Settings, Seeded]) -> None:
    settings_, seeded = seeded_settings
    app = _configured(create_app(settings_))
    failures: list[str] = []
    seen: set[int] = set()
    try:
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        operations = []
        for result in schema.get_all_operations():
            assert isinstance(result, Ok), result.err()  # the schema itself is valid
            operations.append(result.ok())
        assert len(operations) > 30  # every router is in the schema
        for operation in operations:
            try:
                _run_operation(operation, seeded, seen)
            except (Exception, FailureGroup) as exc:  # noqa: BLE001 - all reported below
                failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    finally:
        shutdown_lifespans()
    assert not failures, "\n\n".join(failures)
    # the run went past the doors: reads succeeded, writes were refused for their content
    assert {200, 401, 403, 404, 422} <= seen, seen
