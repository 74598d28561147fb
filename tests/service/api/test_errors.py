"""Every error has the JSON shape; malformed input never answers 500; bodies are bounded."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from httpx import AsyncClient

from tests.service.api.conftest import Tenant, commons_body

pytestmark = pytest.mark.asyncio


def assert_error_shape(body: Any) -> dict[str, Any]:
    assert isinstance(body, dict)
    assert set(body) == {"error"}
    error: dict[str, Any] = body["error"]
    assert set(error) == {"code", "message", "field"}
    assert error["code"] and error["message"]
    return error


async def test_unknown_route_is_404_json(client: AsyncClient) -> None:
    r = await client.get("/v1/nowhere")
    assert r.status_code == 404
    assert "/v1/nowhere" in assert_error_shape(r.json())["message"]


async def test_wrong_method_is_405_json(client: AsyncClient) -> None:
    r = await client.delete("/v1/commons")
    assert r.status_code == 405
    error = assert_error_shape(r.json())
    assert error["code"] == "method_not_allowed"
    assert "GET" in str(error["message"])


async def test_bad_path_id_is_422(client: AsyncClient, foundation: Tenant) -> None:
    r = await client.get("/v1/commons/not-a-uuid", headers=foundation.headers)
    assert r.status_code == 422
    assert assert_error_shape(r.json())["field"] == "commons_id"


@pytest.mark.parametrize(
    "raw",
    [
        b"{",
        b"not json",
        b"[]",
        b"null",
        b"42",
        b'"text"',
        b"\xff\xfe\x00garbage",
        b'{"name": 1e999999}',
        b'{"name": {"deep": ' * 200 + b"1" + b"}" * 200,
        json.dumps(commons_body(reciprocity="flat")).encode(),
        json.dumps(commons_body(reciprocity={"model": [], "currency": {}})).encode(),
        json.dumps(commons_body(match=None)).encode(),
        json.dumps(commons_body(licence="(" * 500)).encode(),
        json.dumps(commons_body(licence="MIT WITH WITH")).encode(),
        json.dumps(
            commons_body(reciprocity={"model": "tiered", "currency": "EUR", "tiers": [1]})
        ).encode(),
    ],
)
async def test_malformed_bodies_are_4xx_never_500(
    client: AsyncClient, foundation: Tenant, raw: bytes
) -> None:
    r = await client.post(
        "/v1/commons",
        content=raw,
        headers={**foundation.headers, "Content-Type": "application/json"},
    )
    assert 400 <= r.status_code < 500, r.text
    assert_error_shape(r.json())


async def test_body_over_the_limit_is_413_by_content_length(
    client: AsyncClient, foundation: Tenant
) -> None:
    big = commons_body(repositories=["https://example.org/" + "x" * 1000] * 100)
    r = await client.post("/v1/commons", json=big, headers=foundation.headers)
    assert r.status_code == 413
    error = assert_error_shape(r.json())
    assert error["code"] == "body_too_large"
    assert "COPYFAIR_MAX_BODY_BYTES" in str(error["message"])


async def test_body_over_the_limit_is_413_when_streamed(
    client: AsyncClient, foundation: Tenant
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"name": "x", "licence": "MIT", "repositories": ['
        for _ in range(200):
            yield b'"https://example.org/' + b"y" * 1000 + b'",'
        yield b'"z"]}'

    r = await client.post(
        "/v1/commons",
        content=chunks(),
        headers={**foundation.headers, "Content-Type": "application/json"},
    )
    assert "content-length" not in {k.lower() for k in r.request.headers}
    assert r.status_code == 413
    assert assert_error_shape(r.json())["code"] == "body_too_large"


async def test_openapi_documents_the_routes(client: AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert {"/healthz", "/v1/me", "/v1/commons", "/v1/commons/{commons_id}"} <= set(spec["paths"])
    assert "HTTPBearer" in spec["components"]["securitySchemes"]
    docs = await client.get("/docs")
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()


async def test_healthz_checks_the_database(client: AsyncClient) -> None:
    r = await client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "database": "ok"}
