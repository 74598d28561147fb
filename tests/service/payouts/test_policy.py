"""Payout policies: defaults, every problem named by its field."""

from __future__ import annotations

from decimal import Decimal

import pytest

from licences.allocation import Method
from service.payouts.policy import PolicyError, parse_payout_policy


def test_defaults_take_the_reciprocity_currency() -> None:
    policy = parse_payout_policy(None, default_currency="gbp")
    assert policy.currency == "GBP"
    assert policy.allocation.method is Method.PROPORTIONAL
    assert policy.allocation.foundation_share == 0 and policy.line_cap == 1000


def test_a_full_policy_is_read() -> None:
    policy = parse_payout_policy(
        {
            "currency": "EUR",
            "foundation_share_percent": "12.5",
            "method": "quadratic",
            "cap_percent": 40,
            "min_payout_minor": 500,
            "half_life_days": "180",
            "weights": {"commits": "2", "surviving_lines": "0.001"},
            "line_cap": 200,
            "aliases": {"old@x.org": "new@x.org"},
            "bots": ["ci-*"],
            "branch": "trunk",
        }
    )
    assert policy.allocation.foundation_share == Decimal("12.5")
    assert policy.allocation.weights.commits == 2
    assert policy.allocation.weights.changed_lines == Decimal("0.01")
    assert policy.to_dict()["bots"] == ["ci-*"] and policy.branch == "trunk"


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"currency": "XYZ"}, "currency"),
        ({"method": "dice"}, "method"),
        ({"foundation_share_percent": 0.1}, "foundation_share_percent"),
        ({"min_payout_minor": -1}, "min_payout_minor"),
        ({"weights": {"stars": "1"}}, "weights.stars"),
        ({"line_cap": 0}, "line_cap"),
        ({"aliases": ["x"]}, "aliases"),
        ({"bots": "ci"}, "bots"),
        ({"colour": "red"}, "colour"),
        ({"foundation_share_percent": "120"}, "foundation_share_percent"),
        ({"cap_percent": "0"}, "cap_percent"),
        ({"half_life_days": "-3"}, "half_life_days"),
    ],
)
def test_problems_name_their_field(raw: dict[str, object], field: str) -> None:
    with pytest.raises(PolicyError) as caught:
        parse_payout_policy(raw)
    assert caught.value.problems[0].field == field


def test_the_payout_provider_comes_from_the_environment() -> None:
    from service.payouts.providers import provider_from_env
    from service.transfers.interface import TransferError

    assert provider_from_env({}).kind == "manual"
    assert (
        provider_from_env(
            {"COPYFAIR_PAYOUT_PROVIDER": "stripe", "COPYFAIR_STRIPE_API_KEY": "sk_test_x"}
        ).kind
        == "stripe"
    )
    with pytest.raises(TransferError, match="COPYFAIR_STRIPE_API_KEY"):
        provider_from_env({"COPYFAIR_PAYOUT_PROVIDER": "stripe"})
    with pytest.raises(TransferError, match="manual or stripe"):
        provider_from_env({"COPYFAIR_PAYOUT_PROVIDER": "paypal"})
