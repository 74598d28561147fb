"""Scan documents (the JSON of ``copyfair scan --format json``) for the reports tests."""

from __future__ import annotations

from typing import Any


def profile(**overrides: object) -> dict[str, Any]:
    out: dict[str, Any] = {
        "source": "copyfair.toml",
        "name": "Acme Analytics GmbH",
        "legal_form": "for-profit",
        "headcount": 250,
        "developers": 40,
        "revenue": {"amount_minor": 1_200_000_000, "currency": "EUR", "year": 2025},
        "uses": ["saas", "distribution"],
        "commercial": True,
        "contributions": {"repositories": [], "domains": [], "commits": []},
    }
    out.update(overrides)
    return out


def component(
    name: str, *, purl: str | None = None, licence: str = "NOASSERTION", kind: str = "dependency"
) -> dict[str, Any]:
    return {
        "id": f"{kind}:{purl or name}",
        "name": name,
        "version": None,
        "kind": kind,
        "path": "requirements.txt",
        "purl": purl,
        "licence": licence,
        "category": "unknown",
        "evidence": [{"method": "manifest", "path": "requirements.txt", "line": 2, "score": 1.0}],
    }


def scan_doc(
    components: list[dict[str, Any]] | None = None, **usage_overrides: object
) -> dict[str, Any]:
    usage: dict[str, Any] = {
        "commercial": "yes",
        "uses": ["saas", "distribution"],
        "confidence": 1.0,
        "declared": True,
        "signals": [],
        "warnings": [],
        "profile": profile(),
    }
    usage.update(usage_overrides)
    if components is None:
        components = [
            {
                "id": "project:1",
                "name": "analytics",
                "kind": "project",
                "path": ".",
                "purl": None,
                "licence": "NOASSERTION",
                "evidence": [],
            },
            component("geo-commons", purl="pkg:pypi/geo-commons@1.0"),
            component("requests", purl="pkg:pypi/requests@2.31", licence="Apache-2.0"),
        ]
    return {
        "schema_version": "1",
        "target": ".",
        "source": "tree",
        "git": None,
        "components": components,
        "usage": usage,
        # what a (dishonest or outdated) client computed: never read by the service
        "obligations": [{"component_id": "dependency:pkg:pypi/geo-commons@1.0", "amount_minor": 1}],
        "obligations_totals": [{"currency": "EUR", "amount_minor": 1}],
    }
