"""Scan jobs without HTTP: the task function, the in-process runner, repository checks and
the configuration. (The Celery path, with a real worker and Redis, is tested end to end in
tests/service/api/test_scans.py.)"""

from __future__ import annotations

import asyncio
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy.orm import undefer

from service.db import scans as store
from service.db.accounts import create_organisation
from service.db.engine import create_engine, create_session_factory
from service.db.migrate import upgrade
from service.db.models import OrganisationKind, Scan, ScanStatus
from service.jobs import JobsConfig, JobsConfigError, create_runner, jobs_config_from_env
from service.jobs.local import LocalJobRunner
from service.jobs.sources import SourceError, check_repository, display_repository
from service.jobs.tasks import run_scan_job
from service.settings import Settings
from tests.service.scan_sources import MIT_HEADER, git_repository, tar_gz


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("jobs-db") / "copyfair.db"

    async def migrate() -> None:
        engine = create_engine(Settings(database_url=f"sqlite+aiosqlite:///{path}"))
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()

    asyncio.run(migrate())
    return path


@pytest.fixture
def database_url(template_db: Path, tmp_path: Path) -> str:
    path = tmp_path / "copyfair.db"
    shutil.copyfile(template_db, path)
    return f"sqlite+aiosqlite:///{path}"


async def _new_scan(database_url: str, **source: object) -> uuid.UUID:
    engine = create_engine(Settings(database_url=database_url))
    try:
        async with create_session_factory(engine).begin() as session:
            org = await create_organisation(session, OrganisationKind.FOUNDATION, "F")
            scan = await store.create_scan(session, organisation_id=org.id, **source)  # type: ignore[arg-type]
            return scan.id
    finally:
        await engine.dispose()


def new_scan(database_url: str, **source: object) -> uuid.UUID:
    return asyncio.run(_new_scan(database_url, **source))


async def _read(database_url: str, scan_id: uuid.UUID) -> tuple[str, str | None, object, bool]:
    engine = create_engine(Settings(database_url=database_url))
    try:
        async with create_session_factory(engine)() as session:
            row = await session.get(Scan, scan_id, options=[undefer(Scan.result)])
            assert row is not None
            source = await store.scan_source(session, scan_id)
            assert source is not None
            return row.status, row.error, row.result, source.archive is not None
    finally:
        await engine.dispose()


def read_scan(database_url: str, scan_id: uuid.UUID) -> tuple[str, str | None, object, bool]:
    return asyncio.run(_read(database_url, scan_id))


def licences_of(result: object) -> dict[str, list[str]]:
    assert isinstance(result, dict)
    return {f["path"]: f["licences"] for f in result["files"]}


# --- the task function ------------------------------------------------------------------


def test_archive_scan_stores_the_result_and_drops_the_archive(database_url: str) -> None:
    archive = tar_gz({"src/app.py": MIT_HEADER, "README": b"nothing here\n"})
    scan_id = new_scan(database_url, archive_name="tree.tar.gz", archive=archive)
    assert run_scan_job(database_url, str(scan_id), JobsConfig()) == "done"
    status, error, result, has_archive = read_scan(database_url, scan_id)
    assert (status, error, has_archive) == (ScanStatus.DONE, None, False)
    assert licences_of(result) == {"src/app.py": ["MIT"]}
    assert isinstance(result, dict) and result["target"] == "tree.tar.gz"


def test_a_scan_runs_once(database_url: str) -> None:
    scan_id = new_scan(database_url, archive_name="t.tgz", archive=tar_gz({"a": b"x"}))
    assert run_scan_job(database_url, str(scan_id), JobsConfig()) == "done"
    assert run_scan_job(database_url, str(scan_id), JobsConfig()) == "skipped"


def test_hostile_archive_fails_with_the_reason(database_url: str) -> None:
    scan_id = new_scan(database_url, archive_name="t.tgz", archive=tar_gz({"../x": b"x"}))
    assert run_scan_job(database_url, str(scan_id), JobsConfig()) == "failed"
    status, error, result, has_archive = read_scan(database_url, scan_id)
    assert status == ScanStatus.FAILED
    assert error is not None and "'..'" in error
    assert result is None and not has_archive


def test_local_git_repository_scan(database_url: str, tmp_path: Path) -> None:
    repo = git_repository(tmp_path / "repo", {"lib.py": MIT_HEADER})
    (repo / "untracked.py").write_bytes(b"# SPDX-License-Identifier: GPL-3.0-only\n")
    scan_id = new_scan(database_url, repository=str(repo))
    config = JobsConfig(local_roots=(tmp_path.resolve(),))
    assert run_scan_job(database_url, str(scan_id), config) == "done"
    _, _, result, _ = read_scan(database_url, scan_id)
    assert licences_of(result) == {"lib.py": ["MIT"]}  # the clone: committed files only
    assert isinstance(result, dict) and result["target"] == str(repo)


def test_local_path_outside_the_allowed_roots_fails(database_url: str, tmp_path: Path) -> None:
    repo = git_repository(tmp_path / "repo", {"lib.py": MIT_HEADER})
    scan_id = new_scan(database_url, repository=str(repo))
    config = JobsConfig(local_roots=(tmp_path / "elsewhere",))
    assert run_scan_job(database_url, str(scan_id), config) == "failed"
    _, error, _, _ = read_scan(database_url, scan_id)
    assert error is not None and "outside the directories" in error


def test_unreachable_url_fails_with_a_clear_error(database_url: str) -> None:
    scan_id = new_scan(database_url, repository="https://user:s3cret@127.0.0.1:9/geo.git")
    assert run_scan_job(database_url, str(scan_id), JobsConfig(clone_timeout=30)) == "failed"
    _, error, _, _ = read_scan(database_url, scan_id)
    assert error is not None
    assert error.startswith("cannot clone https://127.0.0.1:9/geo.git")
    assert "s3cret" not in error


def test_not_a_git_repository_fails(database_url: str, tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    scan_id = new_scan(database_url, repository=str(tmp_path / "plain"))
    config = JobsConfig(local_roots=(tmp_path.resolve(),))
    assert run_scan_job(database_url, str(scan_id), config) == "failed"
    _, error, _, _ = read_scan(database_url, scan_id)
    assert error is not None and "cannot clone" in error


# --- runners -------------------------------------------------------------------------------


def test_process_pool_runner_runs_the_task(database_url: str) -> None:
    scan_id = new_scan(database_url, archive_name="t.tgz", archive=tar_gz({"m.py": MIT_HEADER}))
    runner = LocalJobRunner(database_url, JobsConfig(), mode="process")
    try:
        runner.submit_scan(scan_id)
        assert runner.wait(timeout=120)
    finally:
        runner.close()
    status, _, result, _ = read_scan(database_url, scan_id)
    assert status == ScanStatus.DONE
    assert licences_of(result) == {"m.py": ["MIT"]}


def test_a_closed_runner_refuses_jobs() -> None:
    from service.jobs import JobQueueError

    runner = LocalJobRunner("sqlite+aiosqlite:///unused.db", mode="thread")
    runner.close()
    with pytest.raises(JobQueueError, match="shut down"):
        runner.submit_scan(uuid.uuid4())


def test_create_runner_follows_the_broker_setting() -> None:
    local = create_runner("sqlite+aiosqlite:///x.db", JobsConfig())
    assert isinstance(local, LocalJobRunner)
    from service.jobs.celery_runner import CeleryJobRunner

    remote = create_runner("sqlite+aiosqlite:///x.db", JobsConfig(broker_url="redis://h:1/0"))
    try:
        assert isinstance(remote, CeleryJobRunner)
    finally:
        remote.close()


# --- repository checks and configuration ------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/geo/geo-commons",
        "http://git.example.org/x.git",
        "ssh://git@example.org/geo.git",
        "git://example.org/geo.git",
        "git@github.com:geo/geo-commons.git",
    ],
)
def test_network_urls_are_accepted(url: str) -> None:
    checked = check_repository(url, ())
    assert (checked.url, checked.local) == (url, False)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("ftp://example.org/x", "unsupported URL scheme"),
        ("ext::sh -c touch% /tmp/pwned", "remote helpers"),
        ("--upload-pack=touch /tmp/pwned", "not a URL"),
        ("relative/path", "relative"),
        ("/srv/git/geo", "does not scan local paths"),
        ("file:///srv/git/geo", "does not scan local paths"),
        ("https:///nohost", "no host"),
        ("", "empty"),
    ],
)
def test_bad_repositories_are_refused(value: str, words: str) -> None:
    with pytest.raises(SourceError, match=words):
        check_repository(value, ())


def test_local_roots_resolve_symlinks(tmp_path: Path) -> None:
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    (allowed / "escape").symlink_to("/etc")
    assert check_repository(f"file://{allowed}/repo", (allowed,)).local
    with pytest.raises(SourceError, match="outside"):
        check_repository(str(allowed / "escape"), (allowed,))


def test_credentials_are_hidden() -> None:
    assert display_repository("https://u:tok@h.org:8443/r.git") == "https://h.org:8443/r.git"
    assert display_repository("git@h.org:r.git") == "git@h.org:r.git"


def test_config_from_environment(tmp_path: Path) -> None:
    config = jobs_config_from_env(
        {
            "COPYFAIR_BROKER_URL": "redis://localhost:6379/0",
            "COPYFAIR_SCAN_LOCAL_ROOTS": f"{tmp_path}:{tmp_path}/b",
            "COPYFAIR_ARCHIVE_MAX_MEMBERS": "10",
            "COPYFAIR_SCAN_WORKERS": "3",
        }
    )
    assert config.broker_url == "redis://localhost:6379/0"
    assert config.local_roots == (tmp_path.resolve(), (tmp_path / "b").resolve())
    assert config.archive_limits.max_members == 10
    assert config.workers == 3
    assert jobs_config_from_env({}) == JobsConfig()


@pytest.mark.parametrize("value", ["many", "0", "-2"])
def test_bad_config_names_the_variable(value: str) -> None:
    with pytest.raises(JobsConfigError, match="COPYFAIR_SCAN_WORKERS"):
        jobs_config_from_env({"COPYFAIR_SCAN_WORKERS": value})


def test_unreachable_broker_is_a_queue_error() -> None:
    from service.jobs import JobQueueError
    from service.jobs.celery_runner import CeleryJobRunner

    runner = CeleryJobRunner(JobsConfig(broker_url="redis://127.0.0.1:1/0"))
    try:
        with pytest.raises(JobQueueError, match="COPYFAIR_BROKER_URL"):
            runner.submit_scan(uuid.uuid4())
    finally:
        runner.close()


# --- copyfair worker -----------------------------------------------------------------------


def test_worker_without_a_broker_exits_2(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from service.cli.worker_cmd import worker

    env = {"COPYFAIR_DATABASE_URL": f"sqlite:///{tmp_path}/w.db", "COPYFAIR_BROKER_URL": ""}
    result = CliRunner().invoke(worker, [], env=env)
    assert result.exit_code == 2
    assert "COPYFAIR_BROKER_URL is not set" in result.output


def test_worker_with_a_bad_setting_exits_2(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from service.cli.worker_cmd import worker

    env = {
        "COPYFAIR_DATABASE_URL": f"sqlite:///{tmp_path}/w.db",
        "COPYFAIR_BROKER_URL": "redis://127.0.0.1:6379/0",
        "COPYFAIR_ARCHIVE_MAX_MEMBERS": "lots",
    }
    result = CliRunner().invoke(worker, [], env=env)
    assert result.exit_code == 2
    assert "COPYFAIR_ARCHIVE_MAX_MEMBERS" in result.output
