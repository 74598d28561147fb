"""Signed claims: a statement signed with the SSH key that signed the email's commits."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scanners.contributions.signing import signed_commits, split_signed_commit, ssh_public_key
from service.db.accounts import create_commoner, create_organisation
from service.db.models import Commons, OrganisationKind
from service.payouts.claims import ClaimError, create_signature_claim, verify_signature_claim
from service.payouts.signatures import NAMESPACE
from tests.scanners.contributions.repos import ALICE, commit, new_repo

needs_ssh_keygen = pytest.mark.skipif(
    shutil.which("ssh-keygen") is None, reason="ssh-keygen (openssh-client) is not installed"
)


def _key(tmp: Path, name: str) -> Path:
    path = tmp / name
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(path)], check=True
    )
    return path


def _sign(key: Path, text: str, namespace: str = NAMESPACE) -> str:
    done = subprocess.run(
        ["ssh-keygen", "-q", "-Y", "sign", "-f", str(key), "-n", namespace],
        input=text.encode(),
        capture_output=True,
        check=True,
    )
    return done.stdout.decode()


def _signed_repo(root: Path, key: Path) -> Path:
    repo = new_repo(root)
    commit(repo, ALICE, "2026-11-02T10:00:00+00:00", {"a.txt": "unsigned\n"})
    with repo.config_writer() as config:
        config.set_value("gpg", "format", "ssh")
        config.set_value("user", "signingkey", str(key))
    (root / "b.txt").write_text("signed\n", encoding="utf-8")
    repo.index.add(["b.txt"])
    repo.git.commit(
        "-S",
        "-m",
        "signed work",
        env={
            "GIT_AUTHOR_NAME": "Alice",
            "GIT_AUTHOR_EMAIL": "alice@example.org",
            "GIT_COMMITTER_NAME": "Alice",
            "GIT_COMMITTER_EMAIL": "alice@example.org",
        },
    )
    return root


@needs_ssh_keygen
def test_signed_commits_name_their_key(tmp_path: Path) -> None:
    key = _key(tmp_path, "alice")
    repo = _signed_repo(tmp_path / "repo", key)
    found = signed_commits(repo, "Alice@Example.org")
    assert len(found) == 1  # the unsigned commit is passed over
    public = (tmp_path / "alice.pub").read_text().split()
    assert found[0].public_key == f"{public[0]} {public[1]}"
    assert ssh_public_key("not a signature") is None
    assert split_signed_commit(b"tree abc\nauthor x\n\nmessage\n") is None


@needs_ssh_keygen
@pytest.mark.asyncio
async def test_a_statement_signed_with_the_commit_key_verifies_the_claim(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    key = _key(tmp_path, "alice")
    other = _key(tmp_path, "mallory")
    repo = _signed_repo(tmp_path / "repo", key)
    async with sessions() as session:
        foundation = await create_organisation(session, OrganisationKind.FOUNDATION, "Geo")
        session.add(
            Commons(
                organisation_id=foundation.id,
                name="Signed",
                licence="ppl",
                payee="geo",
                repositories=[str(repo)],
                match={},
            )
        )
        alice = await create_commoner(session, "Alice")
        claim, statement = await create_signature_claim(session, alice.id, "alice@example.org")
        assert str(claim.id) in statement and "alice@example.org" in statement
        with pytest.raises(ClaimError, match="does not verify"):
            await verify_signature_claim(session, alice.id, claim.id, _sign(other, statement))
        with pytest.raises(ClaimError, match="does not verify"):
            wrong_text = _sign(key, statement + " and more")
            await verify_signature_claim(session, alice.id, claim.id, wrong_text)
        with pytest.raises(ClaimError, match="does not verify"):
            wrong_namespace = _sign(key, statement, namespace="git")
            await verify_signature_claim(session, alice.id, claim.id, wrong_namespace)
        done = await verify_signature_claim(session, alice.id, claim.id, _sign(key, statement))
        assert done.verified_at is not None

        bob = await create_commoner(session, "Bob")
        unsigned, text = await create_signature_claim(session, bob.id, "bob@example.org")
        with pytest.raises(ClaimError, match="no commit"):
            await verify_signature_claim(session, bob.id, unsigned.id, _sign(key, text))
