"""What the browser tests need: a seeded database, the real server (uvicorn in a
subprocess on a free port, as ``copyfair serve`` runs it), and Debian's Chromium driven by
Playwright. Also used by ``python -m tests.service.web.screenshots``."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from service.db.engine import create_engine, create_session_factory
from service.db.migrate import upgrade
from service.settings import Settings
from tests.service.web.payout_seed import PayoutWorld, seed_payouts
from tests.service.web.seed import World, seed

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu"]
ROOT = Path(__file__).resolve().parents[3]


def chromium_missing() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing: apt-get install -y chromium"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is missing: pip install -e '.[dev]'"
    return None


def seed_database(database_url: str, *, migrate: bool) -> World:
    async def run() -> World:
        engine = create_engine(Settings(database_url=database_url))
        try:
            if migrate:
                await upgrade(engine)
            return await seed(create_session_factory(engine))
        finally:
            await engine.dispose()

    return asyncio.run(run())


def seed_payout_database(database_url: str, world: World, root: Path) -> PayoutWorld:
    """Geo Tiles' payout runs (:mod:`.payout_seed`) on top of :func:`seed_database`."""

    async def run() -> PayoutWorld:
        engine = create_engine(Settings(database_url=database_url))
        try:
            return await seed_payouts(create_session_factory(engine), world, root)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def running_server(database_url: str, local_root: Path, log: Path) -> Iterator[str]:
    """The app under uvicorn at ``http://127.0.0.1:PORT`` until the block ends."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("COPYFAIR_")}
    env.update(
        COPYFAIR_DATABASE_URL=database_url,
        COPYFAIR_ENV="development",
        COPYFAIR_SCAN_LOCAL_ROOTS=str(local_root),
        COPYFAIR_SCAN_WORKERS="1",
    )
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "service.api.app:app_from_env",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
    ]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited: {log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start in 60 s: {log.read_text()[-3000:]}")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
