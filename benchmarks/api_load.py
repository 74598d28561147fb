"""Load benchmark of the service: report submission and obligation listing.

For each backend (SQLite file, PostgreSQL), on a fresh database:

1. seeds ``--companies`` companies and ``--foundations`` foundations (with
   ``copyfair``'s own account functions, keys included), one commons per foundation;
2. starts ``copyfair serve --workers W`` in a subprocess (the real server: uvicorn,
   migrations, the whole app);
3. **submission**: ``--clients`` concurrent clients POST ``/v1/reports`` (a scan of
   ``--components`` components, a fifth of them attributed to the commons) until every
   company has sent ``--reports-per-company`` reports; the service derives and upserts
   the obligations of each;
4. **listing**: ``--clients`` concurrent clients GET ``/v1/obligations?limit=50`` for
   ``--duration`` seconds with keys drawn at random among the companies and foundations
   (a foundation's list filters on the obligations attributed to its commons);

and prints, per phase: requests, sustained requests/s, p50/p99 latency (ms) and errors
(anything but the expected status). The submission client is an ``httpx.AsyncClient``
in this process; the listing client is ``wrk`` (Debian's ``wrk``: one thread, a Lua
script choosing the key of each request) when it is installed, else the same httpx
client (``--client httpx``). Both run on the same machine: their CPU time is taken from
the server's, and wrk takes much less of it than Python.

Usage::

    python benchmarks/api_load.py [--backends sqlite,postgresql] [--clients 8]
        [--duration 20] [--companies 50] [--components 100] [--workers 2] [--client wrk]
        [--pg-url postgresql+asyncpg://postgres@127.0.0.1:5432/test] [--json OUT]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from service.db.accounts import create_key, create_organisation
from service.db.engine import create_engine, create_session_factory
from service.db.migrate import upgrade
from service.db.models import OrganisationKind
from service.settings import Settings

PG_DEFAULT = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
TARGET_RPS = 300.0
TARGET_P99_MS = 100.0


@dataclass
class PhaseResult:
    backend: str
    phase: str
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    server_cpu_ms: float | None = None  # CPU time of copyfair serve per request


def tree_cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of ``pid`` and its descendants (Linux /proc; None
    elsewhere). The database server's own processes are not included."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    stats: dict[int, tuple[int, float]] = {}
    try:
        entries = [e for e in os.listdir("/proc") if e.isdigit()]
    except OSError:
        return None
    for entry in entries:
        try:
            raw = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = raw.rsplit(")", 1)[1].split()
        stats[int(entry)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    if pid not in stats:
        return None
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        total += stats[current][1]
        todo += [child for child, (parent, _) in stats.items() if parent == current]
    return total


@dataclass(frozen=True)
class Tenants:
    companies: list[str]  # API keys
    foundations: list[str]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def scan_document(company: int, components: int) -> dict[str, Any]:
    """A scan of ``components`` dependencies; every fifth belongs to a commons."""
    items: list[dict[str, Any]] = [
        {"id": "project:root", "name": f"app-{company}", "kind": "project", "path": ".",
         "purl": None, "licence": "NOASSERTION", "evidence": []}
    ]  # fmt: skip
    for n in range(components):
        commons = n % 5 == 0
        name = f"commons-lib-{n}" if commons else f"lib-{n}"
        items.append(
            {
                "id": f"dependency:pkg:pypi/{name}@1.0",
                "name": name,
                "kind": "dependency",
                "path": "requirements.txt",
                "purl": f"pkg:pypi/{name}@1.0",
                "licence": "NOASSERTION" if commons else ("MIT" if n % 2 else "Apache-2.0"),
                "evidence": [
                    {"method": "manifest", "path": "requirements.txt", "line": n + 1, "score": 1}
                ],
            }
        )
    return {
        "schema_version": "1",
        "target": ".",
        "components": items,
        "usage": {
            "commercial": "yes",
            "uses": ["saas"],
            "declared": True,
            "profile": {
                "name": f"Company {company}",
                "legal_form": "for-profit",
                "headcount": 100,
                "developers": 10 + company % 30,
                "uses": ["saas"],
                "commercial": True,
            },
        },
    }


async def seed(database_url: str, companies: int, foundations: int) -> Tenants:
    engine = create_engine(Settings(database_url=database_url))
    try:
        await upgrade(engine)
        sessions = create_session_factory(engine)
        company_keys: list[str] = []
        foundation_keys: list[str] = []
        async with sessions.begin() as session:
            for n in range(companies):
                org = await create_organisation(session, OrganisationKind.COMPANY, f"Co {n}")
                company_keys.append((await create_key(session, organisation_id=org.id)).token)
            for n in range(foundations):
                org = await create_organisation(session, OrganisationKind.FOUNDATION, f"F {n}")
                foundation_keys.append((await create_key(session, organisation_id=org.id)).token)
        return Tenants(company_keys, foundation_keys)
    finally:
        await engine.dispose()


class Server:
    def __init__(self, database_url: str, workers: int, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url = database_url
        self.workers = workers
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        copyfair = shutil.which("copyfair") or str(Path(sys.executable).with_name("copyfair"))
        env = {**os.environ, "COPYFAIR_DATABASE_URL": self.database_url}
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [copyfair, "serve", "--port", str(self.port), "--workers", str(self.workers),
                 "--log-level", "warning"],
                env=env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"copyfair serve did not start:\n{self.log.read_text()}")
            time.sleep(0.2)

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()


async def register_commons(url: str, tenants: Tenants) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        for n, key in enumerate(tenants.foundations):
            body = {
                "name": f"Commons {n}",
                "licence": "PPL",
                # foundation n's commons: the attributed libraries n, n+5F, n+10F, ...
                "match": {
                    "packages": [
                        f"commons-lib-{i}"
                        for i in range(n * 5, 10_000, 5 * len(tenants.foundations))
                    ][:500]
                },
                "reciprocity": {
                    "model": "per-developer",
                    "currency": "EUR",
                    "amount_per_developer_year": 1500,
                },
            }
            r = await client.post(
                "/v1/commons", json=body, headers={"Authorization": f"Bearer {key}"}
            )
            r.raise_for_status()


async def submission(
    url: str, backend: str, tenants: Tenants, clients: int, components: int, per_company: int
) -> PhaseResult:
    jobs: asyncio.Queue[tuple[int, str]] = asyncio.Queue()
    for _ in range(per_company):
        for n, key in enumerate(tenants.companies):
            jobs.put_nowait((n, key))
    bodies = {
        n: {"scan": scan_document(n, components), "period": "2026-11"}
        for n in range(len(tenants.companies))
    }
    latencies: list[float] = []
    errors = 0
    samples: list[str] = []

    async def client_loop(client: httpx.AsyncClient) -> None:
        nonlocal errors
        while True:
            try:
                n, key = jobs.get_nowait()
            except asyncio.QueueEmpty:
                return
            start = time.perf_counter()
            try:
                r = await client.post(
                    "/v1/reports", json=bodies[n], headers={"Authorization": f"Bearer {key}"}
                )
                ok = r.status_code == 201
                if not ok and len(samples) < 3:
                    samples.append(f"HTTP {r.status_code}: {r.text[:300]}")
            except httpx.HTTPError as exc:
                ok = False
                if len(samples) < 3:
                    samples.append(f"{type(exc).__name__}: {exc}")
            latencies.append(time.perf_counter() - start)
            errors += not ok

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
        began = time.perf_counter()
        await asyncio.gather(*(client_loop(client) for _ in range(clients)))
        elapsed = time.perf_counter() - began
    for sample in samples:
        print(f"# {backend}: error: {sample}", file=sys.stderr)
    return _result(
        backend, f"POST /v1/reports ({components} components)", latencies, elapsed, errors
    )


async def listing(
    url: str, backend: str, tenants: Tenants, clients: int, duration: float
) -> PhaseResult:
    keys = tenants.companies + tenants.foundations
    rng = random.Random(5)
    latencies: list[float] = []
    errors = 0
    stop_at = 0.0

    async def client_loop(client: httpx.AsyncClient) -> None:
        nonlocal errors
        while time.perf_counter() < stop_at:
            key = rng.choice(keys)
            start = time.perf_counter()
            try:
                r = await client.get(
                    "/v1/obligations",
                    params={"limit": 50},
                    headers={"Authorization": f"Bearer {key}"},
                )
                ok = r.status_code == 200 and bool(r.json()["items"])
            except httpx.HTTPError:
                ok = False
            latencies.append(time.perf_counter() - start)
            errors += not ok

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:
        # warm-up: connections, caches, the servers' first requests
        stop_at = time.perf_counter() + 2
        await asyncio.gather(*(client_loop(client) for _ in range(clients)))
        latencies.clear()
        errors = 0
        began = time.perf_counter()
        stop_at = began + duration
        await asyncio.gather(*(client_loop(client) for _ in range(clients)))
        elapsed = time.perf_counter() - began
    return _result(backend, "GET /v1/obligations?limit=50", latencies, elapsed, errors)


_WRK_SCRIPT = """
local keys = {%s}
math.randomseed(5)
request = function()
  local key = keys[math.random(#keys)]
  return wrk.format("GET", "/v1/obligations?limit=50", {["Authorization"] = "Bearer " .. key})
end
"""


def _wrk_ms(text: str) -> float:
    units = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    for unit in ("us", "ms", "s"):
        if text.endswith(unit):
            return round(float(text[: -len(unit)]) * units[unit], 1)
    return float(text)


def listing_wrk(
    url: str, backend: str, tenants: Tenants, clients: int, duration: float, work: Path
) -> PhaseResult:
    """The listing phase driven by ``wrk --latency`` (one thread, ``clients`` connections)."""
    script = work / "obligations.lua"
    keys = ", ".join(f'"{k}"' for k in tenants.companies + tenants.foundations)
    script.write_text(_WRK_SCRIPT % keys)
    base = ["wrk", "-t1", f"-c{clients}", "--latency", "-s", str(script), url]
    subprocess.run([*base[:-1], "-d2s", url], capture_output=True, check=True)  # warm-up
    done = subprocess.run([*base[:-1], f"-d{int(duration)}s", url], capture_output=True,
                          text=True, check=True)  # fmt: skip
    out = done.stdout
    requests = int(out.split(" requests in ")[0].split()[-1])
    seconds = float(out.split(" requests in ")[1].split("s,")[0])
    errors = 0
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("Non-2xx or 3xx responses:"):
            errors += int(line.split(":")[1])
        if line.startswith("Socket errors:"):
            errors += sum(int(part.split()[1]) for part in line.split(":", 1)[1].split(","))
    percent = {
        line.split()[0]: _wrk_ms(line.split()[1])
        for line in out.splitlines()
        if line.strip().endswith(("s",)) and line.strip().split()[0] in ("50%", "99%")
    }
    return PhaseResult(
        backend=backend,
        phase="GET /v1/obligations?limit=50 (wrk)",
        requests=requests,
        seconds=seconds,
        rps=round(requests / seconds, 1),
        p50_ms=percent["50%"],
        p99_ms=percent["99%"],
        errors=errors,
    )


def _result(
    backend: str, phase: str, latencies: list[float], elapsed: float, errors: int
) -> PhaseResult:
    ms = [x * 1000 for x in latencies]
    return PhaseResult(
        backend=backend,
        phase=phase,
        requests=len(latencies),
        seconds=round(elapsed, 2),
        rps=round(len(latencies) / elapsed, 1) if elapsed else 0.0,
        p50_ms=round(statistics.median(ms), 1) if ms else float("nan"),
        p99_ms=round(percentile(ms, 0.99), 1),
        errors=errors,
    )


async def admin(url: str, statement: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


async def run_backend(backend: str, args: argparse.Namespace, work: Path) -> list[PhaseResult]:
    dropped: str | None = None
    if backend == "sqlite":
        database_url = f"sqlite+aiosqlite:///{work / 'bench.db'}"
    else:
        name = f"copyfair_bench_{uuid.uuid4().hex[:10]}"
        await admin(args.pg_url, f'CREATE DATABASE "{name}"')
        dropped = name
        database_url = make_url(args.pg_url).set(database=name).render_as_string(False)
    try:
        tenants = await seed(database_url, args.companies, args.foundations)
        with Server(database_url, args.workers, work / f"serve-{backend}.log") as server:
            await register_commons(server.url, tenants)
            submitted = await submission(
                server.url,
                backend,
                tenants,
                args.clients,
                args.components,
                args.reports_per_company,
            )
            assert server.process is not None
            cpu_before = tree_cpu_seconds(server.process.pid)
            if args.client == "wrk":
                listed = await asyncio.to_thread(
                    listing_wrk, server.url, backend, tenants, args.clients, args.duration, work
                )
            else:
                listed = await listing(server.url, backend, tenants, args.clients, args.duration)
            cpu_after = tree_cpu_seconds(server.process.pid)
            if cpu_before is not None and cpu_after is not None and listed.requests:
                # the warm-up (2 s) is in the CPU time too: an upper bound
                listed.server_cpu_ms = round((cpu_after - cpu_before) * 1000 / listed.requests, 2)
        if submitted.errors or listed.errors:
            log = (work / f"serve-{backend}.log").read_text(errors="replace").splitlines()
            print("\n".join(f"# serve: {line}" for line in log[-40:]), file=sys.stderr)
        return [submitted, listed]
    finally:
        if dropped is not None:
            await admin(args.pg_url, f'DROP DATABASE IF EXISTS "{dropped}" WITH (FORCE)')


def print_table(results: list[PhaseResult]) -> None:
    head = (
        "| backend | phase | requests | s | req/s | p50 ms | p99 ms | errors | server CPU ms/req |"
    )
    print(head)
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        cpu = "" if r.server_cpu_ms is None else r.server_cpu_ms
        print(
            f"| {r.backend} | {r.phase} | {r.requests} | {r.seconds} | {r.rps} | "
            f"{r.p50_ms} | {r.p99_ms} | {r.errors} | {cpu} |"
        )


def check_targets(results: list[PhaseResult]) -> bool:
    ok = True
    for r in results:
        if r.errors:
            print(f"FAIL {r.backend} {r.phase}: {r.errors} error(s)")
            ok = False
    for r in results:
        if r.backend == "postgresql" and r.phase.startswith("GET /v1/obligations"):
            good = r.rps >= TARGET_RPS and r.p99_ms < TARGET_P99_MS
            verdict = "ok" if good else "FAIL"
            print(
                f"{verdict} target on PostgreSQL: {r.rps} req/s (>= {TARGET_RPS:.0f}), "
                f"p99 {r.p99_ms} ms (< {TARGET_P99_MS:.0f})"
            )
            ok = ok and good
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--companies", type=int, default=50)
    parser.add_argument("--foundations", type=int, default=3)
    parser.add_argument("--components", type=int, default=100)
    parser.add_argument("--reports-per-company", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="copyfair serve --workers")
    parser.add_argument(
        "--pg-url", default=os.environ.get("COPYFAIR_TEST_POSTGRES_URL", PG_DEFAULT)
    )
    parser.add_argument(
        "--client",
        choices=["wrk", "httpx"],
        default="wrk" if shutil.which("wrk") else "httpx",
        help="the listing phase's client [default: wrk when installed]",
    )
    parser.add_argument("--json", dest="json_out", type=Path)
    args = parser.parse_args()
    results: list[PhaseResult] = []
    with tempfile.TemporaryDirectory(prefix="copyfair-load-") as tmp:
        for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
            if backend not in ("sqlite", "postgresql"):
                parser.error(f"unknown backend {backend!r}: use sqlite and/or postgresql")
            print(f"# {backend}: seeding, serving, loading ...", file=sys.stderr)
            results += asyncio.run(run_backend(backend, args, Path(tmp)))
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    print(
        f"\n{os.cpu_count()} CPUs; {args.workers} server worker(s); {args.clients} clients; "
        f"{args.companies} companies, {args.foundations} foundations; load average at the "
        f"end {load[0]:.1f} (1 min)\n"
        if load
        else "\n"
    )
    print_table(results)
    ok = check_targets(results)
    if args.json_out is not None:
        args.json_out.write_text(json.dumps([asdict(r) for r in results], indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
