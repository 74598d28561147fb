"""Attribution of reported components to registered commons by their matching rules."""

from __future__ import annotations

import uuid

import pytest

from service.reports.attribution import RegisteredCommons, attribute, licence_ids, package_key


def commons(name: str, **match: list[str]) -> RegisteredCommons:
    return RegisteredCommons(uuid.uuid4(), uuid.uuid4(), name, "PPL", name.lower(), match)


GEO = commons("Geo", purls=["pkg:pypi/geo-commons*"], packages=["Geo_Commons"])
SEA = commons("Sea", packages=["sea"], licences=["PPL"])
EXACT = commons("Exact", purls=["pkg:npm/@sea/core"])


@pytest.mark.parametrize(
    ("purl", "name", "licence", "expected", "rule"),
    [
        ("pkg:pypi/geo-commons@1.0", "geo-commons", "NOASSERTION", "Geo", "purl"),
        ("pkg:PyPI/Geo-Commons-Extra@2", None, "MIT", "Geo", "purl"),
        (None, "geo.commons", "MIT", "Geo", "package"),  # PEP 503 spelling
        ("pkg:npm/@sea/core@3.1.0?arch=x86#src", "core", "MIT", "Exact", "purl"),  # no version
        ("pkg:cargo/sea@1", "other", "MIT", "Sea", "package"),  # the purl's name
        (None, "unrelated", "MIT OR (PPL AND Apache-2.0)", "Sea", "licence"),
        (None, "unrelated", "PPL+", "Sea", "licence"),
        (None, "unrelated", "MIT", None, None),
        ("pkg:pypi/geo@1", "geo", "MIT", None, None),
    ],
)
def test_rules(
    purl: str | None, name: str | None, licence: str, expected: str | None, rule: str | None
) -> None:
    found = attribute([SEA, GEO, EXACT], purl=purl, name=name, licence=licence)
    assert (found.commons.name if found else None) == expected
    assert (found.rule if found else None) == rule


def test_a_purl_rule_beats_a_licence_rule_of_a_commons_registered_earlier() -> None:
    found = attribute([SEA, GEO], purl="pkg:pypi/geo-commons@1", name="x", licence="PPL")
    assert found is not None and found.commons is GEO
    evidence = found.evidence()
    assert evidence["method"] == "commons-match"
    assert evidence["commons_id"] == str(GEO.id)


def test_first_registered_wins_a_tie() -> None:
    first, second = commons("First", packages=["x"]), commons("Second", packages=["x"])
    found = attribute([first, second], purl=None, name="X", licence="MIT")
    assert found is not None and found.commons is first


def test_helpers() -> None:
    assert package_key("Zope.Interface__x") == "zope-interface-x"
    assert licence_ids("(MIT OR GPL-2.0+) AND Apache-2.0 WITH LLVM-exception") == {
        "mit",
        "gpl-2.0",
        "apache-2.0",
        "llvm-exception",
    }
