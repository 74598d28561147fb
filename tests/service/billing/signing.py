"""Webhook payloads signed the way Stripe signs them (``t=...,v1=HMAC-SHA256``)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any


def signed(event: dict[str, Any], secret: str, at: int | None = None) -> tuple[bytes, str]:
    payload = json.dumps(event).encode()
    stamp = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{stamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return payload, f"t={stamp},v1={mac}"


def event(id: str, type: str, obj: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": id,
        "object": "event",
        "type": type,
        "created": int(time.time()),
        "livemode": False,
        "data": {"object": obj},
    }
