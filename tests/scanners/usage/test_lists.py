from __future__ import annotations

import pytest

from scanners.usage.lists import (
    ECOSYSTEMS,
    UsageDataError,
    domain_lists,
    holder_rules,
    normalise_package,
    parse_holders,
    parse_sdks,
    sdk_categories,
)


def test_shipped_lists_load() -> None:
    categories = {c.name: c for c in sdk_categories()}
    assert {"payments", "advertising", "analytics"} <= set(categories)
    assert "stripe" in categories["payments"].packages["pypi"]
    assert categories["analytics"].weight < categories["payments"].weight
    assert all(set(c.packages) <= set(ECOSYSTEMS) for c in categories.values())
    assert "gmail.com" in domain_lists().webmail
    assert holder_rules().patterns[0][0] == "nonprofit"


@pytest.mark.parametrize(
    ("ecosystem", "name", "expected"),
    [
        ("pypi", "Google_Ads", "google-ads"),
        ("golang", "github.com/stripe/stripe-go/v76", "github.com/stripe/stripe-go"),
        ("npm", "@Stripe/stripe-js", "@stripe/stripe-js"),
        ("maven", "com.stripe:stripe-java", "com.stripe:stripe-java"),
    ],
)
def test_normalise_package(ecosystem: str, name: str, expected: str) -> None:
    assert normalise_package(ecosystem, name) == expected


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"x": {"label": "l", "weight": 2, "pypi": []}}, "'weight' must be a number in (0, 1]"),
        ({"x": {"label": "", "weight": 0.5}}, "'label' must be a non-empty string"),
        ({"x": {"label": "l", "weight": 0.5, "pipy": []}}, "unknown keys ['pipy']"),
        ({"x": {"label": "l", "weight": 0.5, "npm": "stripe"}}, "'npm' must be a list"),
        ({"x": 3}, "must be a table"),
    ],
)
def test_bad_sdk_lists(data: dict[str, object], message: str) -> None:
    with pytest.raises(UsageDataError) as info:
        parse_sdks(data)
    assert message in str(info.value)
    assert "sdks.toml: [x]" in str(info.value)


def test_bad_holder_pattern() -> None:
    data: dict[str, object] = {
        k: [] for k in ("nonprofit", "cooperative", "academic", "public", "generic")
    }
    data["company"] = ["(unclosed"]
    data["known_companies"] = []
    with pytest.raises(UsageDataError, match="'company': bad pattern"):
        parse_holders(data)
