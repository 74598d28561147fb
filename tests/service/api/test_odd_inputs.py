"""Odd bodies, query strings, path ids and headers on every write and list route: the answer
is never 5xx, and every error has the error shape. On PostgreSQL too, where NUL bytes,
integers beyond 64 bits and over-long strings are the classic server errors."""

from __future__ import annotations

import io
import json
import random
import tarfile
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio
from fastapi import FastAPI
from httpx import AsyncClient, Response

from service.api.routes.webhooks import BillingContext
from service.billing.config import BillingConfig
from service.billing.manual import ManualGateway
from tests.service.api.conftest import Tenant, commons_body
from tests.service.api.report_fixtures import scan_doc
from tests.service.api.test_fuzz import _ODD_VALUES, _mutate
from tests.service.transfers_fake import RecordingProvider

pytestmark = pytest.mark.asyncio

ODD_TEXT = ["\u0000", "a\u0000b", "x" * 5000, "\ud800", "2026-11\u0000", "%00", "é", "-1"]
ODD_INTS = [2**63, -(2**63) - 1, 2**70, 10**30, -1]


@dataclass(frozen=True)
class World:
    foundation: Tenant
    company: Tenant
    commoner: Tenant
    commons_id: str
    report_id: str
    obligation_id: str
    claim_id: str
    invoice_id: str
    run_id: str


@pytest_asyncio.fixture
async def world(
    app: FastAPI, client: AsyncClient, foundation: Tenant, company: Tenant, commoner: Tenant
) -> World:
    app.state.billing = BillingContext(BillingConfig(), ManualGateway())
    app.state.foundation_transfers = None
    app.state.payout_provider = RecordingProvider()
    made = await client.post("/v1/commons", json=commons_body(), headers=foundation.headers)
    assert made.status_code == 201, made.text
    body = {"scan": scan_doc(), "period": "2026-11", "project": "p"}
    report = await client.post("/v1/reports", json=body, headers=company.headers)
    assert report.status_code == 201, report.text
    claim = await client.post(
        "/v1/me/claims", json={"email": "ada@example.org"}, headers=commoner.headers
    )
    assert claim.status_code == 201, claim.text
    run = await client.post(
        "/v1/billing/runs", json={"period": "2026-11"}, headers=foundation.headers
    )
    assert run.status_code == 202, run.text
    invoices = await client.get("/v1/invoices", headers=company.headers)
    assert invoices.status_code == 200, invoices.text
    [invoice] = invoices.json()["items"]
    return World(
        foundation,
        company,
        commoner,
        made.json()["id"],
        report.json()["id"],
        report.json()["obligations"][0]["id"],
        claim.json()["id"],
        invoice["id"],
        run.json()["id"],
    )


def _checked(r: Response, what: object) -> int:
    assert r.status_code < 500 or r.status_code == 503, (what, r.status_code, r.text)
    if r.status_code >= 400:
        error = r.json()["error"]
        assert error["code"] and error["message"], (what, r.text)
    return r.status_code


def _writes(w: World) -> list[tuple[Tenant, str, str, dict[str, Any]]]:
    return [
        (w.commoner, "POST", "/v1/me/claims", {"email": "bob@example.org", "method": "token"}),
        (w.commoner, "POST", f"/v1/me/claims/{w.claim_id}/verify", {"token": "abc"}),
        (w.commoner, "PUT", "/v1/me/payout-account", {"account": "acct_1Ada", "alias": "ada"}),
        (w.company, "PUT", "/v1/me/ledger-visibility", {"anonymous": True}),
        (
            w.foundation,
            "PUT",
            f"/v1/commons/{w.commons_id}/payouts/policy",
            {"foundation_share_percent": "10", "method": "quadratic"},
        ),
        (w.foundation, "POST", f"/v1/commons/{w.commons_id}/payouts/runs", {"period": "2026-11"}),
        (w.foundation, "POST", "/v1/billing/runs", {"period": "2026-10"}),
        (w.foundation, "PUT", "/v1/billing/payout-account", {"account_id": "acct_1Geo"}),
        (
            w.foundation,
            "POST",
            f"/v1/invoices/{w.invoice_id}/payments",
            {"amount_minor": 1250, "currency": "EUR", "fee_minor": 50, "reference": "bank-1"},
        ),
    ]


async def test_mutated_bodies_on_every_write_route_never_fail_the_server(
    client: AsyncClient, world: World
) -> None:
    rng = random.Random(20261125)
    pool = [*_ODD_VALUES, *ODD_TEXT, *ODD_INTS]
    seen: set[int] = set()
    for who, method, path, base in _writes(world):
        bodies = [base] + [{k: v for k, v in base.items() if k != key} for key in base]
        bodies += [{**base, key: value} for key in base for value in pool]
        bodies += [_mutate(base, rng) for _ in range(20)]
        for body in bodies:
            # json.dumps escapes lone surrogates and writes NaN as the (invalid) bare word
            content = json.dumps(body)
            headers = {**who.headers, "Content-Type": "application/json"}
            r = await client.request(method, path, content=content, headers=headers)
            seen.add(_checked(r, (method, path, body)))
    assert {200, 201, 422} <= seen


async def test_odd_query_strings_path_ids_and_headers_never_fail_the_server(
    client: AsyncClient, world: World
) -> None:
    lists = [
        (world.foundation, "/v1/commons"),
        (world.foundation, "/v1/scans"),
        (world.company, "/v1/reports"),
        (world.company, "/v1/obligations"),
        (world.foundation, "/v1/billing/runs"),
        (world.foundation, "/v1/billing/transfers"),
        (world.company, "/v1/invoices"),
        (world.commoner, "/v1/me/statements"),
        (world.foundation, f"/v1/commons/{world.commons_id}/payouts/runs"),
        (world.foundation, f"/v1/commons/{world.commons_id}/ledger"),
    ]
    params = ["limit", "cursor", "period", "status", "commons", "report"]
    odd = [t for t in ODD_TEXT if t != "\ud800"] + [str(n) for n in ODD_INTS] + ["", "null"]
    for who, path in lists:
        for name in params:
            for value in odd:
                r = await client.get(path, params={name: value}, headers=who.headers)
                _checked(r, (path, name, value))
    items = [
        "/v1/commons/{}",
        "/v1/scans/{}",
        "/v1/reports/{}",
        "/v1/obligations/{}",
        "/v1/billing/runs/{}",
        "/v1/invoices/{}",
        "/v1/commons/{}/payouts/policy",
        "/v1/commons/{}/ledger",
    ]
    ids = ["%00", "0", "-1", str(2**70), "x" * 5000, "00000000-0000-0000-0000-000000000000"]
    for template in items:
        for who in (world.foundation, world.company, world.commoner):
            for value in ids:
                _checked(await client.get(template.format(value), headers=who.headers), value)
    for header in ["Bearer \u00e9", "Bearer " + "x" * 5000, "Bearer", "Basic Zm9vOmJhcg==", ""]:
        r = await client.get("/v1/me", headers={b"Authorization": header.encode("latin-1")})
        _checked(r, header)
    payments = f"/v1/invoices/{world.invoice_id}/payments"
    for key in ["é" * 10, "x" * 300, " ", ""]:
        headers = [
            (b"Authorization", world.foundation.headers["Authorization"].encode()),
            (b"Idempotency-Key", key.encode("latin-1")),
        ]
        body = {"amount_minor": 1250, "currency": "EUR"}
        _checked(await client.post(payments, json=body, headers=headers), key)


def _archive() -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        data = b"MIT License\n"
        info = tarfile.TarInfo("LICENSE")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


@pytest.mark.parametrize(
    ("filename", "stored"),
    [
        ("tree\u0000.tar.gz", "tree.tar.gz"),  # was a 500 on PostgreSQL (NUL in text)
        ("a\tb\u001b.tar.gz", "ab.tar.gz"),
        ("../../" + "x" * 400, "x" * 255),
        ("\u0000", "upload"),
    ],
)
async def test_an_uploaded_archive_name_is_stored_printable(
    client: AsyncClient, foundation: Tenant, filename: str, stored: str
) -> None:
    boundary = "copyfair-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="archive"; '
            f'filename="{filename}"\r\nContent-Type: application/gzip\r\n\r\n'
        ).encode()
        + _archive()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    headers = {
        **foundation.headers,
        "Content-Type": f"multipart/form-data; boundary={boundary}",
    }
    r = await client.post("/v1/scans", content=body, headers=headers)
    assert r.status_code == 202, r.text
    assert r.json()["archive_name"] == stored


@pytest.mark.parametrize(
    "amount", ["1E+999999999", "1e999999", "1E-999999999", "1e18", 10**30, "NaN", "-Infinity"]
)
async def test_an_amount_beyond_exact_decimals_is_refused_naming_the_field(
    client: AsyncClient, foundation: Tenant, amount: object
) -> None:
    """``1E+999999999`` overflowed Decimal (a 500); ``10**30`` was rounded to 28 digits."""
    body = commons_body()
    body["reciprocity"] = {
        "model": "per-developer",
        "currency": "EUR",
        "amount_per_developer_year": amount,
    }
    r = await client.post("/v1/commons", json=body, headers=foundation.headers)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["field"] == "reciprocity.amount_per_developer_year"


async def test_an_amount_within_bounds_is_exact(client: AsyncClient, foundation: Tenant) -> None:
    body = commons_body()
    body["reciprocity"] = {
        "model": "per-developer",
        "currency": "EUR",
        "amount_per_developer_year": "999999999999999999.99",
    }
    r = await client.post("/v1/commons", json=body, headers=foundation.headers)
    assert r.status_code == 201, r.text
    assert r.json()["reciprocity"]["amount_per_developer_year"] == "999999999999999999.99"
