"""``copyfair scan PATH --report URL --token KEY`` end to end: a real ``copyfair serve``
in a subprocess (SQLite and PostgreSQL), organisations made with ``copyfair admin``, a
commons registered over HTTP, and the scan sent from the command line."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
import pytest

from licences.money import format_minor, prorate
from service.cli.report_upload import ReportUploadError, report_endpoint, upload_report
from tests.service.api.conftest import TABLES, admin_statement, commons_body

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
COPYFAIR = [str(Path(sys.executable).with_name("copyfair"))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class Served:
    url: str
    env: dict[str, str]

    def admin(self, kind: str, name: str) -> dict[str, str]:
        done = subprocess.run(
            [*COPYFAIR, "admin", "create-org", "--kind", kind, "--name", name, "--json"],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        created: dict[str, str] = json.loads(done.stdout)
        return created


@pytest.fixture
def served(database_url: str, tmp_path: Path) -> Iterator[Served]:
    if not database_url.startswith("sqlite"):  # the session's database: start empty
        asyncio.run(admin_statement(database_url, f"TRUNCATE {', '.join(TABLES)} CASCADE"))
    port = free_port()
    env = {**os.environ, "COPYFAIR_DATABASE_URL": database_url}
    env.pop("COPYFAIR_TOKEN", None)
    log = tmp_path / "serve.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [*COPYFAIR, "serve", "--port", str(port), "--log-level", "warning"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log_file,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"copyfair serve did not start: {log.read_text()}")
            time.sleep(0.1)
        yield Served(url, env)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "analytics"
    root.mkdir()
    shutil.copyfile(EXAMPLES / "profile-for-profit.toml", root / "copyfair.toml")
    (root / "requirements.txt").write_text("geo-commons==1.0\n")
    return root


def scan(
    served: Served, project: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*COPYFAIR, "scan", str(project), "--period", "2026-11", *args],
        env=env or served.env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_scan_sends_the_report_and_prints_what_the_service_derived(
    served: Served, project: Path
) -> None:
    foundation = served.admin("foundation", "Geo Commons Foundation")
    company = served.admin("company", "Acme Analytics GmbH")
    r = httpx.post(
        f"{served.url}/v1/commons",
        json=commons_body(),
        headers={"Authorization": f"Bearer {foundation['api_key']}"},
    )
    assert r.status_code == 201, r.text
    done = scan(served, project, "--report", served.url, "--token", company["api_key"])
    assert done.returncode == 0, done.stderr
    # 40 developers (the profile) x EUR 2,000 a year (the commons), for November 2026
    owed = format_minor(prorate(40 * 200_000, date(2026, 11, 1), date(2026, 12, 1)), "EUR")
    assert f"owed {owed}" in done.stderr
    assert "(analytics, 2026-11)" in done.stderr
    report_id = done.stderr.split("Report ", 1)[1].split()[0]
    seen = httpx.get(
        f"{served.url}/v1/reports/{report_id}",
        headers={"Authorization": f"Bearer {company['api_key']}"},
    )
    assert seen.status_code == 200
    [payment] = [o for o in seen.json()["obligations"] if o["kind"] == "reciprocity-payment"]
    assert payment["commons_id"] == r.json()["id"]
    assert payment["evidence"][0]["file"] == "requirements.txt"
    # the token may come from the environment; the same month refreshes the same rows
    again = scan(
        served,
        project,
        "--report",
        served.url,
        env={**served.env, "COPYFAIR_TOKEN": company["api_key"]},
    )
    assert again.returncode == 0, again.stderr
    assert f"owed {owed}" in again.stderr
    listed = httpx.get(
        f"{served.url}/v1/obligations",
        headers={"Authorization": f"Bearer {company['api_key']}"},
    )
    assert len(listed.json()["items"]) == seen.json()["obligations_total"]


def test_the_server_message_is_shown_when_it_refuses(served: Served, project: Path) -> None:
    foundation = served.admin("foundation", "F")
    done = scan(served, project, "--report", served.url, "--token", "cf_not_a_key")
    assert done.returncode == 2
    assert "HTTP 401" in done.stderr and "API key is unknown" in done.stderr
    done = scan(served, project, "--report", served.url, "--token", foundation["api_key"])
    assert done.returncode == 2
    assert "HTTP 403" in done.stderr and "role company" in done.stderr


def test_an_unreachable_service_exits_2_with_advice(project: Path, tmp_path: Path) -> None:
    env = dict(os.environ)
    url = f"http://127.0.0.1:{free_port()}"
    done = subprocess.run(
        [*COPYFAIR, "scan", str(project), "--report", url, "--token", "cf_x"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "cannot reach the copyfair service" in done.stderr
    env.pop("COPYFAIR_TOKEN", None)
    done = subprocess.run(
        [*COPYFAIR, "scan", str(project), "--report", url],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "--token" in done.stderr


def test_report_endpoint_and_odd_answers() -> None:
    assert report_endpoint("https://cf.example/") == "https://cf.example/v1/reports"
    assert report_endpoint("https://cf.example/v1/reports") == "https://cf.example/v1/reports"
    with pytest.raises(ReportUploadError, match="http:// or https://"):
        report_endpoint("cf.example")
    not_copyfair = httpx.MockTransport(lambda request: httpx.Response(201, text="hello"))
    with pytest.raises(ReportUploadError, match="not with a copyfair report"):
        upload_report("https://cf.example", "k", {}, transport=not_copyfair)
    teapot = httpx.MockTransport(lambda request: httpx.Response(418, text="<html>no</html>"))
    with pytest.raises(ReportUploadError, match="HTTP 418.*no"):
        upload_report("https://cf.example", "k", {}, transport=teapot)
