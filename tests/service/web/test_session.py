"""The session cookie and CSRF tokens, without a server."""

from __future__ import annotations

import uuid

from itsdangerous import URLSafeTimedSerializer

from service.web.session import SessionData, SessionSigner, csrf_matches, new_session

SECRET = "a-test-secret-that-is-long-enough-0123456789"


def test_a_session_reads_back_what_was_signed() -> None:
    signer = SessionSigner(SECRET)
    key = uuid.uuid4()
    data = new_session(key)
    assert signer.loads(signer.dumps(data)) == data
    anonymous = new_session()
    assert signer.loads(signer.dumps(anonymous)) == SessionData(anonymous.csrf, None)


def test_new_sessions_have_fresh_csrf_tokens() -> None:
    tokens = {new_session().csrf for _ in range(50)}
    assert len(tokens) == 50
    assert all(len(t) >= 40 for t in tokens)


def test_a_tampered_foreign_or_garbage_cookie_is_no_session() -> None:
    signer = SessionSigner(SECRET)
    cookie = signer.dumps(new_session(uuid.uuid4()))
    payload, _, signature = cookie.rpartition(".")
    # the first character of the base64 signature carries six whole bits (the last may not)
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    assert signer.loads(f"{payload}.{flipped}") is None
    forged = signer.dumps(new_session(uuid.uuid4())).rpartition(".")[0]
    assert signer.loads(f"{forged}.{signature}") is None  # another payload, this signature
    assert SessionSigner("another-secret-of-enough-length-987654321").loads(cookie) is None
    for junk in (None, "", "x", "a.b.c", "🍪"):
        assert signer.loads(junk) is None


def test_a_signed_cookie_of_the_wrong_shape_is_no_session() -> None:
    serializer = URLSafeTimedSerializer(SECRET, salt="copyfair.web.session")
    signer = SessionSigner(SECRET)
    assert signer.loads(serializer.dumps(["not", "a", "dict"])) is None
    assert signer.loads(serializer.dumps({"key": str(uuid.uuid4())})) is None  # no csrf
    assert signer.loads(serializer.dumps({"csrf": "t", "key": "not-a-uuid"})) is None


def test_an_expired_cookie_is_no_session() -> None:
    cookie = SessionSigner(SECRET).dumps(new_session(uuid.uuid4()))
    assert SessionSigner(SECRET, max_age=-1).loads(cookie) is None


def test_csrf_matches_only_the_sessions_own_token() -> None:
    session = new_session()
    assert csrf_matches(session, session.csrf)
    assert not csrf_matches(session, new_session().csrf)
    assert not csrf_matches(session, "")
    assert not csrf_matches(session, None)
    assert not csrf_matches(None, session.csrf)
    assert not csrf_matches(session, ["list"])
