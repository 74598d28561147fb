"""Which gateway, from the environment.

==================================  =====================================================
``COPYFAIR_BILLING_GATEWAY``        ``manual`` (default, offline) or ``stripe``
``COPYFAIR_STRIPE_API_KEY``         Stripe secret key (needed for ``stripe``)
``COPYFAIR_STRIPE_WEBHOOK_SECRET``  signing secret of the webhook endpoint (``whsec_...``)
``COPYFAIR_STRIPE_API_BASE``        another API server, e.g. a local one for tests
==================================  =====================================================
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import assert_never

from service.billing.interface import BillingError, BillingGateway, GatewayKind
from service.billing.manual import ManualGateway

__all__ = ["BillingConfig", "billing_config_from_env", "make_gateway"]


@dataclass(frozen=True, slots=True)
class BillingConfig:
    gateway: GatewayKind = GatewayKind.MANUAL
    stripe_api_key: str | None = None
    stripe_webhook_secret: str | None = None
    stripe_api_base: str | None = None


def billing_config_from_env(environ: Mapping[str, str] | None = None) -> BillingConfig:
    env = os.environ if environ is None else environ
    name = env.get("COPYFAIR_BILLING_GATEWAY", GatewayKind.MANUAL.value).strip().lower()
    try:
        kind = GatewayKind(name)
    except ValueError:
        choices = ", ".join(k.value for k in GatewayKind)
        raise BillingError(
            f"COPYFAIR_BILLING_GATEWAY={name!r} is not a gateway: use one of {choices}"
        ) from None
    config = BillingConfig(
        gateway=kind,
        stripe_api_key=env.get("COPYFAIR_STRIPE_API_KEY") or None,
        stripe_webhook_secret=env.get("COPYFAIR_STRIPE_WEBHOOK_SECRET") or None,
        stripe_api_base=env.get("COPYFAIR_STRIPE_API_BASE") or None,
    )
    if kind is GatewayKind.STRIPE and config.stripe_api_key is None:
        raise BillingError(
            "COPYFAIR_BILLING_GATEWAY=stripe needs COPYFAIR_STRIPE_API_KEY (a secret key, "
            "sk_live_... or sk_test_...)"
        )
    return config


def make_gateway(config: BillingConfig) -> BillingGateway:
    if config.gateway is GatewayKind.MANUAL:
        return ManualGateway()
    if config.gateway is GatewayKind.STRIPE:
        from service.billing.stripe_gateway import StripeGateway

        assert config.stripe_api_key is not None
        return StripeGateway(config.stripe_api_key, config.stripe_api_base)
    assert_never(config.gateway)
