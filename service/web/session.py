"""The dashboard's session cookie and CSRF tokens. Pure functions over a secret, no I/O.

The cookie holds a signed (not encrypted) JSON object: ``csrf``, a random per-session token
that every form carries back in a hidden field, and, once logged in, ``key``, the id of the
API key used to log in (never the key itself). It is signed with the app's secret
(:mod:`itsdangerous`, HMAC-SHA1 with a salt of its own) and expires after
:data:`SESSION_MAX_AGE` seconds; a tampered, foreign or expired cookie reads as no session.
Each request checks again that the key is not revoked (:mod:`service.web.auth`).
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

__all__ = [
    "COOKIE_NAME",
    "CSRF_FIELD",
    "SESSION_MAX_AGE",
    "SessionData",
    "SessionSigner",
    "csrf_matches",
    "new_session",
]

COOKIE_NAME = "copyfair_session"
CSRF_FIELD = "csrf_token"
SESSION_MAX_AGE = 8 * 3600
_SALT = "copyfair.web.session"


@dataclass(frozen=True, slots=True)
class SessionData:
    """What the cookie says: the CSRF token, and the API key id when logged in."""

    csrf: str
    key_id: uuid.UUID | None = None


def new_session(key_id: uuid.UUID | None = None) -> SessionData:
    """A session with a fresh CSRF token (a new one at login and logout, so that a token
    seen before logging in is worthless after)."""
    return SessionData(csrf=secrets.token_urlsafe(32), key_id=key_id)


def csrf_matches(session: SessionData | None, submitted: object) -> bool:
    """Whether the token a form sent is this session's, compared in constant time."""
    if session is None or not isinstance(submitted, str) or not submitted:
        return False
    return hmac.compare_digest(session.csrf.encode(), submitted.encode())


class SessionSigner:
    """Signs and reads session cookies with the server secret."""

    def __init__(self, secret: str, max_age: int = SESSION_MAX_AGE) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt=_SALT)
        self.max_age = max_age

    def dumps(self, data: SessionData) -> str:
        payload: dict[str, str] = {"csrf": data.csrf}
        if data.key_id is not None:
            payload["key"] = str(data.key_id)
        return self._serializer.dumps(payload)

    def loads(self, cookie: str | None) -> SessionData | None:
        """The session in ``cookie``; None when absent, tampered with, expired or malformed."""
        if not cookie:
            return None
        try:
            payload = self._serializer.loads(cookie, max_age=self.max_age)
        except BadSignature:  # SignatureExpired is a BadSignature too
            return None
        if not isinstance(payload, dict):
            return None
        csrf = payload.get("csrf")
        if not isinstance(csrf, str) or not csrf:
            return None
        raw_key = payload.get("key")
        if raw_key is None:
            return SessionData(csrf)
        try:
            return SessionData(csrf, uuid.UUID(str(raw_key)))
        except ValueError:
            return None
