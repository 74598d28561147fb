"""API keys: generation, hashing, parsing. Pure functions, no database.

A key reads ``cf_<prefix>_<secret>``: ``prefix`` (10 lowercase hex characters) is public and
indexed for lookup, ``secret`` carries 256 bits from :mod:`secrets`. Only the SHA-256 of the
whole key is stored; with that much entropy a salt or a slow hash adds nothing, and the
comparison is constant-time. The key itself is shown once, when created.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

__all__ = ["KEY_PREFIX", "NewApiKey", "generate_api_key", "hash_api_key", "key_prefix", "verify"]

KEY_PREFIX = "cf"
_PREFIX_BYTES = 5
_KEY = re.compile(r"^cf_([0-9a-f]{10})_([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True, slots=True)
class NewApiKey:
    """A freshly generated key: ``token`` is shown to its owner once, never stored."""

    token: str
    prefix: str
    hash: str


def hash_api_key(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def generate_api_key() -> NewApiKey:
    prefix = secrets.token_hex(_PREFIX_BYTES)
    token = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    return NewApiKey(token=token, prefix=prefix, hash=hash_api_key(token))


def key_prefix(token: str) -> str | None:
    """The lookup prefix of a well-formed key, or None when ``token`` is not one."""
    m = _KEY.match(token)
    return m.group(1) if m else None


def verify(token: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_api_key(token), stored_hash)
