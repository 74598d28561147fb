"""API keys: high entropy, public prefix, only a hash stored."""

from __future__ import annotations

import hashlib

from service.security import generate_api_key, hash_api_key, key_prefix, verify


def test_keys_are_unique_and_carry_their_prefix() -> None:
    keys = [generate_api_key() for _ in range(200)]
    assert len({k.token for k in keys}) == 200
    for key in keys:
        assert key.token.startswith(f"cf_{key.prefix}_")
        assert key_prefix(key.token) == key.prefix
        assert len(key.token) == 3 + 10 + 1 + 43


def test_only_the_sha256_is_kept_and_it_verifies() -> None:
    key = generate_api_key()
    assert key.hash == hashlib.sha256(key.token.encode()).hexdigest() == hash_api_key(key.token)
    assert key.token not in key.hash
    assert verify(key.token, key.hash)
    assert not verify(key.token + "x", key.hash)
    assert not verify(generate_api_key().token, key.hash)


def test_malformed_tokens_have_no_prefix() -> None:
    good = generate_api_key().token
    for bad in ["", "cf_", "Bearer " + good, good + "=", good.upper(), good[:-1], "xx" + good[2:]]:
        assert key_prefix(bad) is None, bad
