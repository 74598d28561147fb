"""Whether and how a paid invoice's funds go to the foundations, from the environment.

==================================  =====================================================
``COPYFAIR_FOUNDATION_TRANSFERS``   ``none`` (default: the operator is the foundation, the
                                    money stays in the commons' pools), ``manual`` (each
                                    transfer is recorded as owed, made by hand) or
                                    ``stripe`` (Connect transfers)
``COPYFAIR_STRIPE_API_KEY``         the platform's secret key (needed for ``stripe``)
``COPYFAIR_STRIPE_API_BASE``        another API server, e.g. a local one for tests
==================================  =====================================================
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import assert_never

from service.transfers.interface import PayoutProvider, TransferError
from service.transfers.manual import ManualProvider

__all__ = ["TransfersConfig", "TransfersMode", "make_provider", "transfers_config_from_env"]


class TransfersMode(StrEnum):
    NONE = "none"
    MANUAL = "manual"
    STRIPE = "stripe"


@dataclass(frozen=True, slots=True)
class TransfersConfig:
    mode: TransfersMode = TransfersMode.NONE
    stripe_api_key: str | None = None
    stripe_api_base: str | None = None


def transfers_config_from_env(environ: Mapping[str, str] | None = None) -> TransfersConfig:
    env = os.environ if environ is None else environ
    name = env.get("COPYFAIR_FOUNDATION_TRANSFERS", TransfersMode.NONE.value).strip().lower()
    try:
        mode = TransfersMode(name)
    except ValueError:
        choices = ", ".join(m.value for m in TransfersMode)
        raise TransferError(
            f"COPYFAIR_FOUNDATION_TRANSFERS={name!r} is not a mode: use one of {choices}"
        ) from None
    config = TransfersConfig(
        mode=mode,
        stripe_api_key=env.get("COPYFAIR_STRIPE_API_KEY") or None,
        stripe_api_base=env.get("COPYFAIR_STRIPE_API_BASE") or None,
    )
    if mode is TransfersMode.STRIPE and config.stripe_api_key is None:
        raise TransferError(
            "COPYFAIR_FOUNDATION_TRANSFERS=stripe needs COPYFAIR_STRIPE_API_KEY (the "
            "platform's secret key, sk_live_... or sk_test_...)"
        )
    return config


def make_provider(config: TransfersConfig) -> PayoutProvider | None:
    """The provider for ``config``; None when funds stay with the operator (``none``)."""
    if config.mode is TransfersMode.NONE:
        return None
    if config.mode is TransfersMode.MANUAL:
        return ManualProvider()
    if config.mode is TransfersMode.STRIPE:
        from service.transfers.stripe_connect import StripeConnectProvider

        assert config.stripe_api_key is not None
        return StripeConnectProvider(config.stripe_api_key, config.stripe_api_base)
    assert_never(config.mode)
