"""The second way to claim an identity: a statement signed by a key the commit history
already trusts.

A key is trusted for an email when it made a valid SSH signature on a commit authored by
that email on the validated history of a registered commons' repository (checked here
with ``ssh-keygen -Y verify``, namespace ``git``, as git itself does). The commoner signs
the claim's statement with that key::

    printf '%s' "$STATEMENT" | ssh-keygen -Y sign -f ~/.ssh/id_ed25519 -n copyfair-claim

and sends the armored signature; it must verify with a trusted key in namespace
``copyfair-claim``. GPG-signed commits are not read (only SSH signatures).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

from scanners.contributions.signing import signed_commits, ssh_public_key
from scanners.errors import TargetError

__all__ = [
    "NAMESPACE",
    "SignatureUnavailableError",
    "statement_for",
    "trusted_keys",
    "verify_ssh_signature",
]

NAMESPACE = "copyfair-claim"
_TIMEOUT_S = 10


class SignatureUnavailableError(RuntimeError):
    """ssh-keygen is not installed on the service's machine."""


def statement_for(claim_id: str, commoner_id: str, email: str) -> str:
    """The exact text a commoner signs for a claim (no trailing newline)."""
    return f"copyfair identity claim {claim_id}: commoner {commoner_id} claims {email}"


def _ssh_keygen() -> str:
    found = shutil.which("ssh-keygen")
    if found is None:
        raise SignatureUnavailableError(
            "signed claims need ssh-keygen (OpenSSH) on the service's machine: claim by "
            "token instead, or ask the foundation to install openssh-client"
        )
    return found


def verify_ssh_signature(
    payload: bytes, armored: str, *, principal: str, key: str, namespace: str
) -> bool:
    """Whether ``armored`` is a valid signature of ``payload`` by ``key`` in ``namespace``."""
    if ssh_public_key(armored) != key:
        return False
    tool = _ssh_keygen()
    with tempfile.TemporaryDirectory(prefix="copyfair-sig-") as tmp:
        allowed = Path(tmp) / "allowed_signers"
        allowed.write_text(f'{principal} namespaces="{namespace}" {key}\n', encoding="ascii")
        signature = Path(tmp) / "payload.sig"
        signature.write_text(armored.strip() + "\n", encoding="ascii")
        try:
            done = subprocess.run(  # noqa: S603 - fixed tool, arguments are ours
                [
                    tool,
                    "-Y",
                    "verify",
                    "-f",
                    str(allowed),
                    "-I",
                    principal,
                    "-n",
                    namespace,
                    "-s",
                    str(signature),
                ],
                input=payload,
                capture_output=True,
                timeout=_TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return False
    return done.returncode == 0


def trusted_keys(repositories: Iterable[str], email: str) -> list[str]:
    """The public keys that validly signed commits of ``email`` in the local
    ``repositories`` (unreadable ones are passed over)."""
    keys: list[str] = []
    for repo in repositories:
        if "://" in repo or not Path(repo).is_dir():
            continue
        try:
            commits = signed_commits(repo, email)
        except TargetError:
            continue
        for commit in commits:
            if commit.public_key in keys:
                continue
            if verify_ssh_signature(
                commit.payload,
                commit.signature,
                principal=email,
                key=commit.public_key,
                namespace="git",
            ):
                keys.append(commit.public_key)
    return keys
