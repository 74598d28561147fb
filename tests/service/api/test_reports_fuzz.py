"""Mutated usage reports: every answer is 201 or 422 with the error shape, never 500."""

from __future__ import annotations

import random
from typing import Any

import pytest
from httpx import AsyncClient

from tests.service.api.conftest import Tenant, commons_body
from tests.service.api.report_fixtures import profile, scan_doc
from tests.service.api.test_fuzz import _mutate

pytestmark = pytest.mark.asyncio


async def test_mutated_reports_never_fail_the_server(
    client: AsyncClient, foundation: Tenant, company: Tenant
) -> None:
    r = await client.post("/v1/commons", json=commons_body(), headers=foundation.headers)
    assert r.status_code == 201, r.text
    rng = random.Random(20261124)
    full = profile(
        revenue={"amount_minor": 1_200_000_000, "currency": "EUR", "equivalents": {"USD": 1}},
        commercial_since="2026-01-15",
        contributions={
            "repositories": [],
            "domains": [],
            "commits": [{"component": "x", "count": 2}],
        },
    )
    base: dict[str, Any] = {"scan": scan_doc(profile=full), "period": "2026-11", "project": "p"}
    statuses: set[int] = set()
    for _ in range(120):
        body = _mutate(base, rng)
        try:
            r = await client.post("/v1/reports", json=body, headers=company.headers)
        except ValueError:  # a body that JSON cannot carry (NaN): nothing to send
            continue
        assert r.status_code in (201, 422), (body, r.text)
        if r.status_code == 422:
            error = r.json()["error"]
            assert error["code"] and error["message"], r.text
        statuses.add(r.status_code)
    assert statuses == {201, 422}
