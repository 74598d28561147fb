"""Audit scans over HTTP: start (repository or upload), poll, list; isolation between
tenants; the in-process runner, and Celery with a real worker and Redis."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from service.jobs import JobQueueError, JobsConfig
from tests.service import jobs_app
from tests.service.api.conftest import Tenant, services_required
from tests.service.scan_sources import MIT_HEADER, git_repository, tar_gz

pytestmark = pytest.mark.asyncio

ROOT = Path(__file__).resolve().parents[3]


# The app with a thread runner, and local paths allowed under ``repos``.
app = jobs_app.app
repos = jobs_app.repos


async def finished(client: AsyncClient, tenant: Tenant, scan_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        r = await client.get(f"/v1/scans/{scan_id}", headers=tenant.headers)
        assert r.status_code == 200, r.text
        data: dict[str, Any] = r.json()
        if data["status"] in ("done", "failed"):
            return data
        await asyncio.sleep(0.05)
    raise AssertionError(f"scan {scan_id} did not finish in 60 s: {data}")


async def upload(
    client: AsyncClient, tenant: Tenant, data: bytes, name: str = "tree.tar.gz"
) -> Any:
    files = {"archive": (name, data, "application/gzip")}
    return await client.post("/v1/scans", files=files, headers=tenant.headers)


def licences_of(result: dict[str, Any]) -> dict[str, list[str]]:
    return {f["path"]: f["licences"] for f in result["files"]}


# --- starting and polling ----------------------------------------------------------------


async def test_uploaded_archive_is_scanned(client: AsyncClient, foundation: Tenant) -> None:
    r = await upload(client, foundation, tar_gz({"src/app.py": MIT_HEADER, "x.txt": b"x"}))
    assert r.status_code == 202, r.text
    started = r.json()
    assert started["status"] == "queued"
    assert started["archive_name"] == "tree.tar.gz"
    assert started["repository"] is None
    assert started["organisation_id"] == str(foundation.id)
    done = await finished(client, foundation, started["id"])
    assert done["status"] == "done", done["error"]
    assert done["error"] is None
    assert done["started_at"] and done["finished_at"]
    assert licences_of(done["result"]) == {"src/app.py": ["MIT"]}
    assert done["result"]["target"] == "tree.tar.gz"


async def test_local_repository_is_cloned_and_scanned(
    client: AsyncClient, foundation: Tenant, repos: Path
) -> None:
    repo = git_repository(repos / "geo", {"geo.py": MIT_HEADER})
    r = await client.post(
        "/v1/scans", json={"repository": f"file://{repo}"}, headers=foundation.headers
    )
    assert r.status_code == 202, r.text
    assert r.json()["repository"] == f"file://{repo}"
    done = await finished(client, foundation, r.json()["id"])
    assert done["status"] == "done", done["error"]
    assert licences_of(done["result"]) == {"geo.py": ["MIT"]}


async def test_hostile_archive_fails_with_its_reason(
    client: AsyncClient, foundation: Tenant
) -> None:
    r = await upload(client, foundation, tar_gz({"ok": b"1", "../../etc/cron.d/x": b"2"}))
    assert r.status_code == 202
    done = await finished(client, foundation, r.json()["id"])
    assert done["status"] == "failed"
    assert "'..'" in done["error"]
    assert done["result"] is None


async def test_unreachable_repository_fails_as_a_job(
    client: AsyncClient, foundation: Tenant
) -> None:
    url = "https://127.0.0.1:9/geo/geo-commons.git"
    r = await client.post("/v1/scans", json={"repository": url}, headers=foundation.headers)
    assert r.status_code == 202
    done = await finished(client, foundation, r.json()["id"])
    assert done["status"] == "failed"
    assert done["error"].startswith(f"cannot clone {url}")


# --- invalid input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"repository": "ftp://example.org/x"}, "repository", "unsupported URL scheme"),
        ({"repository": "/etc"}, "repository", "outside the directories"),
        ({"repository": "ext::sh -c id"}, "repository", "remote helpers"),
        ({"repository": ""}, "repository", "at least 1 character"),
        ({}, "repository", "required"),
        ({"repository": "https://h/x", "branch": "main"}, "branch", "unknown field"),
        (["https://h/x"], None, "expected a JSON object"),
    ],
)
async def test_invalid_json_bodies_name_the_field(
    client: AsyncClient, foundation: Tenant, body: object, field: str | None, words: str
) -> None:
    r = await client.post("/v1/scans", json=body, headers=foundation.headers)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["field"] == field
    assert words in error["message"]
    listed = await client.get("/v1/scans", headers=foundation.headers)
    assert listed.json()["items"] == []


async def test_malformed_json_is_422(client: AsyncClient, foundation: Tenant) -> None:
    r = await client.post(
        "/v1/scans",
        content=b'{"repository": ',
        headers={**foundation.headers, "Content-Type": "application/json"},
    )
    assert r.status_code == 422
    assert "not valid JSON" in r.json()["error"]["message"]


async def test_upload_that_is_not_an_archive_is_422(
    client: AsyncClient, foundation: Tenant
) -> None:
    r = await upload(client, foundation, b"hello, not an archive", "notes.txt")
    assert r.status_code == 422
    assert r.json()["error"] == {
        "code": "invalid_archive",
        "message": "the upload is not a .tar, .tar.gz, .tar.bz2, .tar.xz or .zip archive",
        "field": "archive",
    }


async def test_multipart_without_the_archive_field_is_422(
    client: AsyncClient, foundation: Tenant
) -> None:
    files = {"file": ("t.tgz", tar_gz({"a": b"a"}), "application/gzip")}
    r = await client.post("/v1/scans", files=files, headers=foundation.headers)
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "archive"
    assert "-F archive=@" in r.json()["error"]["message"]


async def test_broken_multipart_is_422(client: AsyncClient, foundation: Tenant) -> None:
    r = await client.post(
        "/v1/scans",
        content=b'--xyz\r\nContent-Disposition: form-data; name="archive"; filename="a"\r\n',
        headers={**foundation.headers, "Content-Type": "multipart/form-data"},
    )
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "invalid_upload"


async def test_other_content_types_are_415(client: AsyncClient, foundation: Tenant) -> None:
    r = await client.post(
        "/v1/scans",
        content=b"repository=x",
        headers={**foundation.headers, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 415
    assert "multipart/form-data" in r.json()["error"]["message"]


async def test_upload_beyond_the_body_limit_is_413(client: AsyncClient, foundation: Tenant) -> None:
    big = tar_gz({"random.bin": os.urandom(100 * 1024)})  # the test app allows 64 KiB
    r = await upload(client, foundation, big)
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "body_too_large"


async def test_unreachable_queue_is_503_and_the_scan_failed(
    app: FastAPI, client: AsyncClient, foundation: Tenant
) -> None:
    class DownRunner:
        def submit_scan(self, scan_id: uuid.UUID) -> None:
            raise JobQueueError("cannot queue the scan on the broker: connection refused")

        def close(self) -> None:
            pass

    app.state.job_runner = DownRunner()
    r = await upload(client, foundation, tar_gz({"a": b"a"}))
    assert r.status_code == 503
    assert r.json()["error"]["code"] == "queue_unavailable"
    listed = (await client.get("/v1/scans", headers=foundation.headers)).json()["items"]
    assert [s["status"] for s in listed] == ["failed"]
    assert "could not be queued" in listed[0]["error"]


# --- isolation and roles -------------------------------------------------------------------


async def test_a_foundation_sees_only_its_own_scans(
    client: AsyncClient, foundation: Tenant, other_foundation: Tenant
) -> None:
    mine = await upload(client, foundation, tar_gz({"a": b"a"}))
    theirs = await upload(client, other_foundation, tar_gz({"b": b"b"}))
    assert mine.status_code == theirs.status_code == 202
    listed = await client.get("/v1/scans", headers=foundation.headers)
    assert [s["id"] for s in listed.json()["items"]] == [mine.json()["id"]]
    listed = await client.get("/v1/scans", headers=other_foundation.headers)
    assert [s["id"] for s in listed.json()["items"]] == [theirs.json()["id"]]
    r = await client.get(f"/v1/scans/{theirs.json()['id']}", headers=foundation.headers)
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"
    r = await client.get(f"/v1/scans/{uuid.uuid4()}", headers=foundation.headers)
    assert r.status_code == 404


@pytest.mark.parametrize("who", ["company", "commoner"])
@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/v1/scans"), ("POST", "/v1/scans"), ("GET", "/v1/scans/{id}")]
)
async def test_other_roles_are_403(
    client: AsyncClient,
    foundation: Tenant,
    company: Tenant,
    commoner: Tenant,
    who: str,
    method: str,
    path: str,
) -> None:
    tenant = {"company": company, "commoner": commoner}[who]
    created = await upload(client, foundation, tar_gz({"a": b"a"}))
    url = path.format(id=created.json()["id"])
    r = await client.request(
        method, url, json={"repository": "https://h/x"}, headers=tenant.headers
    )
    assert r.status_code == 403
    assert "role foundation" in r.json()["error"]["message"]


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/v1/scans"), ("POST", "/v1/scans"), ("GET", "/v1/scans/{id}")]
)
async def test_no_key_is_401(
    client: AsyncClient, foundation: Tenant, method: str, path: str
) -> None:
    created = await upload(client, foundation, tar_gz({"a": b"a"}))
    r = await client.request(method, path.format(id=created.json()["id"]))
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "missing_api_key"


async def test_pages_cover_every_scan_once(client: AsyncClient, foundation: Tenant) -> None:
    created = [
        (await upload(client, foundation, tar_gz({"a": b"a"}))).json()["id"] for _ in range(5)
    ]
    seen: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, str | int] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/v1/scans", params=params, headers=foundation.headers)).json()
        assert len(page["items"]) <= 2
        assert all("result" not in item for item in page["items"])
        seen += [s["id"] for s in page["items"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert seen == created


async def test_bad_cursor_is_422(client: AsyncClient, foundation: Tenant) -> None:
    r = await client.get("/v1/scans", params={"cursor": "x"}, headers=foundation.headers)
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "cursor"


async def test_openapi_documents_both_bodies(client: AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    content = spec["paths"]["/v1/scans"]["post"]["requestBody"]["content"]
    assert set(content) == {"application/json", "multipart/form-data"}
    assert "202" in spec["paths"]["/v1/scans"]["post"]["responses"]


# --- Celery over Redis, with a real worker ---------------------------------------------------


def redis_url() -> str:
    return os.environ.get("COPYFAIR_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="module")
def redis_available() -> str:
    import redis

    url = redis_url()
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        reason = f"Redis is not reachable at {url} ({exc}); start it or set COPYFAIR_TEST_REDIS_URL"
        if services_required():
            pytest.fail(f"{reason} (COPYFAIR_REQUIRE_SERVICES=1)")
        pytest.skip(reason)
    return url


@pytest.fixture
def celery_worker(redis_available: str, database_url: str) -> Iterator[JobsConfig]:
    """``copyfair worker --pool solo`` in a subprocess, on a queue of its own."""
    config = JobsConfig(broker_url=redis_available, queue=f"copyfair-test-{uuid.uuid4().hex}")
    env = {
        **os.environ,
        "COPYFAIR_DATABASE_URL": database_url,
        "COPYFAIR_BROKER_URL": redis_available,
        "COPYFAIR_SCAN_QUEUE": config.queue,
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "service.cli.worker_cmd",
            "--pool",
            "solo",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        yield config
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        assert process.stderr is not None
        process.stderr.close()
        import redis

        redis.Redis.from_url(redis_available).delete(config.queue)


async def test_celery_worker_runs_the_scan(
    app: FastAPI, client: AsyncClient, foundation: Tenant, celery_worker: JobsConfig
) -> None:
    from service.jobs.celery_runner import CeleryJobRunner

    runner = CeleryJobRunner(celery_worker)
    app.state.job_runner = runner
    try:
        r = await upload(client, foundation, tar_gz({"lib/geo.py": MIT_HEADER}))
        assert r.status_code == 202, r.text
        done = await finished(client, foundation, r.json()["id"])
    finally:
        runner.close()
    assert done["status"] == "done", done["error"]
    assert licences_of(done["result"]) == {"lib/geo.py": ["MIT"]}


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        2**70,
        1.5,
        "\u0000",
        "\u202e",
        "x" * 3000,
        "../../etc/passwd",
        "http://[::1",
        "https://u:p@h:99999/x",
        "file://remote-host/srv/x",
        "user@host:",
        [],
        {},
    ],
)
async def test_odd_repositories_never_answer_500(
    client: AsyncClient, foundation: Tenant, value: object
) -> None:
    r = await client.post("/v1/scans", json={"repository": value}, headers=foundation.headers)
    assert r.status_code in (202, 422), r.text
    if r.status_code == 422:
        assert set(r.json()) == {"error"}
        assert r.json()["error"]["field"] == "repository"
    else:
        assert r.json()["status"] == "queued"


async def test_non_utf8_json_is_422(client: AsyncClient, foundation: Tenant) -> None:
    r = await client.post(
        "/v1/scans",
        content=b'{"repository": "\xff\xfe"}',
        headers={**foundation.headers, "Content-Type": "application/json"},
    )
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "invalid_request"
