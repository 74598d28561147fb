"""SSH-signed commits: which keys signed an author's commits on the validated history.

A commit signed with an SSH key (``git config gpg.format ssh``) carries an armored
``SSHSIG`` blob in its ``gpgsig`` header; the blob holds the signer's public key. This
module reads them (:func:`signed_commits`) and takes them apart
(:func:`ssh_public_key`, :func:`split_signed_commit`); checking that a signature is valid
is the caller's (``ssh-keygen -Y verify``, :mod:`service.payouts.signatures`). Reads git,
nothing else.
"""

from __future__ import annotations

import base64
import binascii
import os
import struct
from dataclasses import dataclass

from scanners.contributions.history import default_branch, open_repository

__all__ = [
    "SSH_ARMOR_BEGIN",
    "SignedCommit",
    "signed_commits",
    "split_signed_commit",
    "ssh_public_key",
]

SSH_ARMOR_BEGIN = "-----BEGIN SSH SIGNATURE-----"
SSH_ARMOR_END = "-----END SSH SIGNATURE-----"
_MAGIC = b"SSHSIG"


@dataclass(frozen=True, slots=True)
class SignedCommit:
    """One SSH-signed commit: what was signed (``payload``), the armored signature and the
    public key it names (``ssh-ed25519 AAAA...``)."""

    sha: str
    author_email: str
    public_key: str
    signature: str
    payload: bytes


def _string(blob: bytes, offset: int) -> tuple[bytes, int]:
    if offset + 4 > len(blob):
        raise ValueError("truncated")
    (size,) = struct.unpack(">I", blob[offset : offset + 4])
    end = offset + 4 + size
    if end > len(blob):
        raise ValueError("truncated")
    return blob[offset + 4 : end], end


def ssh_public_key(armored: str) -> str | None:
    """The public key (``TYPE BASE64``) an armored SSH signature was made with, or None
    when ``armored`` is not one."""
    text = armored.strip()
    if not text.startswith(SSH_ARMOR_BEGIN) or not text.endswith(SSH_ARMOR_END):
        return None
    body = "".join(text[len(SSH_ARMOR_BEGIN) : -len(SSH_ARMOR_END)].split())
    try:
        blob = base64.b64decode(body, validate=True)
        if not blob.startswith(_MAGIC):
            return None
        key, _ = _string(blob, len(_MAGIC) + 4)  # after the magic and the version
        kind, _ = _string(key, 0)
        name = kind.decode("ascii")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    return f"{name} {base64.b64encode(key).decode('ascii')}"


def split_signed_commit(raw: bytes) -> tuple[bytes, str] | None:
    """A raw commit object -> (the signed payload, the armored SSH signature), or None
    when it carries no SSH signature."""
    head, sep, message = raw.partition(b"\n\n")
    kept: list[bytes] = []
    signature: list[bytes] = []
    in_sig = False
    for line in head.split(b"\n"):
        if line.startswith(b"gpgsig "):
            in_sig = True
            signature.append(line[len(b"gpgsig ") :])
            continue
        if in_sig and line.startswith(b" "):
            signature.append(line[1:])
            continue
        in_sig = False
        kept.append(line)
    armored = b"\n".join(signature).decode("utf-8", "replace")
    if not armored.startswith(SSH_ARMOR_BEGIN):
        return None
    return b"\n".join(kept) + sep + message, armored


def signed_commits(
    path: str | os.PathLike[str], email: str, *, ref: str | None = None, limit: int = 200
) -> list[SignedCommit]:
    """The SSH-signed commits authored by ``email`` (case-insensitive) reachable from the
    default branch (or ``ref``), newest first, at most ``limit`` read."""
    repo = open_repository(path)
    try:
        branch = default_branch(repo, ref)
        shas = repo.git.log(
            branch.head,
            f"--author=<{email}>",
            "--regexp-ignore-case",
            "--fixed-strings",
            "--no-merges",
            f"--max-count={limit}",
            "--format=%H %ae",
        ).splitlines()
        found: list[SignedCommit] = []
        for line in shas:
            sha, _, author = line.partition(" ")
            if author.strip().lower() != email.strip().lower():
                continue
            raw = repo.odb.stream(bytes.fromhex(sha)).read()
            parts = split_signed_commit(raw)
            if parts is None:
                continue
            key = ssh_public_key(parts[1])
            if key is None:
                continue
            found.append(SignedCommit(sha, author.strip().lower(), key, parts[1], parts[0]))
        return found
    finally:
        repo.close()
