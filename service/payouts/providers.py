"""Which :class:`~service.transfers.interface.PayoutProvider` pays commoners.

``COPYFAIR_PAYOUT_PROVIDER``:

- ``manual`` (default, offline): nothing is sent anywhere; each transfer is recorded with
  the id ``manual-<idempotency key>`` and the foundation pays it by hand (the run's output
  lists every one, with its account and amount). Same key, same id: idempotent.
- ``stripe``: Stripe Connect transfers (:class:`service.transfers.stripe_connect.
  StripeConnectProvider`, with ``COPYFAIR_STRIPE_API_KEY`` and optionally
  ``COPYFAIR_STRIPE_API_BASE``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from service.transfers.config import TransfersConfig, TransfersMode, make_provider
from service.transfers.interface import PayoutProvider, TransferError

__all__ = ["provider_from_env"]


def provider_from_env(environ: Mapping[str, str] | None = None) -> PayoutProvider:
    """The provider named by ``COPYFAIR_PAYOUT_PROVIDER``, built as foundation transfers
    build theirs (:func:`service.transfers.config.make_provider`)."""
    env = os.environ if environ is None else environ
    name = env.get("COPYFAIR_PAYOUT_PROVIDER", "manual").strip().lower()
    if name not in (TransfersMode.MANUAL, TransfersMode.STRIPE):
        raise TransferError(f"COPYFAIR_PAYOUT_PROVIDER={name!r}: use manual or stripe")
    key = env.get("COPYFAIR_STRIPE_API_KEY") or None
    if name == TransfersMode.STRIPE and key is None:
        raise TransferError(
            "COPYFAIR_PAYOUT_PROVIDER=stripe needs COPYFAIR_STRIPE_API_KEY (the "
            "platform's secret key, sk_live_... or sk_test_...)"
        )
    config = TransfersConfig(TransfersMode(name), key, env.get("COPYFAIR_STRIPE_API_BASE") or None)
    provider = make_provider(config)
    assert provider is not None  # only the "none" mode has no provider
    return provider
