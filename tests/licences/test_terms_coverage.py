"""Every licence the reciprocity issue names has terms; every category has a default."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from licences.catalog import load_catalog, validate_catalog_data
from licences.categories import Category
from licences.obligations import OWED_KIND, default_terms
from licences.terms import (
    DEFAULTS_DIR,
    Owed,
    Purpose,
    load_all_terms,
    load_default_terms,
    quote_in_text,
)

# The licences issue 4 lists by name, with their own terms file.
NAMED = [
    "PPL",
    "CC-BY-NC-4.0",
    "CC-BY-NC-SA-4.0",
    "CC-BY-NC-ND-4.0",
    "PolyForm-Noncommercial-1.0.0",
    "PolyForm-Small-Business-1.0.0",
    "LicenseRef-scancode-prosperity-3.0",
    "LicenseRef-scancode-prosperity-2.0",
    "LicenseRef-scancode-prosperity-1.0.1",
    "Parity-6.0.0",
    "Parity-7.0.0",
    "BUSL-1.1",
    "FSL-1.1-MIT",
    "FSL-1.1-ALv2",
    "Elastic-2.0",
    "SSPL-1.0",
    "LicenseRef-scancode-commons-clause",
    "LicenseRef-scancode-fair-source-0.9",
    "LicenseRef-scancode-cooperative-non-violent-4.0",
    "LicenseRef-scancode-cooperative-non-violent-6.0",
    "LicenseRef-scancode-cooperative-non-violent-7.0",
    "LicenseRef-scancode-anti-capitalist-1.4",
    "LicenseRef-scancode-llama-2-license-2023",
    "LicenseRef-scancode-llama-3.1-license-2024",
    "LicenseRef-scancode-bigscience-open-rail-m",
    "LicenseRef-scancode-bigcode-open-rail-m-v1",
    "LicenseRef-scancode-bigscience-rail-1.0",
    "ODbL-1.0",
    "CC-BY-SA-4.0",
    "CC-BY-SA-3.0",
    "AGPL-3.0-only",
    "AGPL-3.0-or-later",
]


@pytest.mark.parametrize("licence_id", NAMED)
def test_named_licences_have_their_own_terms(licence_id: str) -> None:
    licence = load_catalog().require(licence_id)
    assert licence.terms is not None, f"{licence_id} has no terms file"
    assert all(rule.clause.ref and rule.clause.quote for rule in licence.terms.rules)


def test_catalog_data_including_every_terms_file_is_valid() -> None:
    assert validate_catalog_data(check_index_fresh=False) == []


def test_every_category_but_public_domain_has_default_terms() -> None:
    defaults, problems = load_default_terms()
    assert problems == []
    assert set(defaults) == {c.value for c in Category} - {Category.PUBLIC_DOMAIN.value}
    assert default_terms(Category.PUBLIC_DOMAIN) is None
    permissive = default_terms(Category.PERMISSIVE)
    assert permissive is not None and permissive.rules[0].owes[0] is Owed.ATTRIBUTION


def test_default_quotes_are_in_the_typical_licence() -> None:
    catalog = load_catalog()
    checked = 0
    for terms in load_default_terms()[0].values():
        for rule in terms.rules:
            for clause in (rule.clause, *(e.clause for e in rule.exemptions)):
                typical = re.match(r"typical: (\S+)", clause.ref)
                if typical is None:
                    continue
                text = catalog.require(typical.group(1)).text()
                assert quote_in_text(clause.quote, text), (terms.licence, clause.ref)
                checked += 1
    assert checked >= 10


def test_restrictive_categories_can_require_a_commercial_licence_or_review() -> None:
    """Every copyfair and non-commercial licence yields a commercial-licence rule (its own
    or its category's), so commercial use is never silently allowed."""
    for licence in load_catalog():
        if licence.category not in (Category.COPYFAIR, Category.NONCOMMERCIAL):
            continue
        terms = licence.terms or default_terms(licence.category)
        assert terms is not None
        owes = {o for rule in terms.rules for o in rule.owes}
        assert owes & {Owed.COMMERCIAL_LICENCE, Owed.PAYMENT, Owed.REVIEW}, licence.id
        assert any(rule.purpose is Purpose.COMMERCIAL or rule.applies_if for rule in terms.rules), (
            licence.id
        )


def test_every_kind_of_owed_maps_to_an_obligation_kind() -> None:
    assert set(OWED_KIND) == set(Owed)


def test_problems_in_default_terms_are_reported_with_the_others(tmp_path: Path) -> None:
    (tmp_path / "defaults").mkdir()
    (tmp_path / "defaults" / "permissive.toml").write_text(
        'schema_version = 1\nlicence = "permissive"\nsummary = "s"\n'
        '[[rule]]\nid = "x"\nsummary = "s"\nuses = ["sell"]\nowes = ["attribution"]\n'
        'clause = { ref = "1", quote = "q" }\n',
        encoding="utf-8",
    )
    (tmp_path / "defaults" / "nonsense.toml").write_text(
        (DEFAULTS_DIR / "permissive.toml")
        .read_text(encoding="utf-8")
        .replace('licence = "permissive"', 'licence = "nonsense"'),
        encoding="utf-8",
    )
    _, problems = load_all_terms(tmp_path)
    fields = {(p.file, p.field) for p in problems}
    assert ("terms/defaults/permissive.toml", "rule[0].uses[0]") in fields
    assert ("terms/defaults/nonsense.toml", "licence") in fields
