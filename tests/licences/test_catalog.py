"""The catalog: lookups, categories of the licences that matter, texts, validation."""

from __future__ import annotations

import pytest

from licences.catalog import Catalog, Kind, Source, load_catalog, validate_catalog_data
from licences.categories import Category
from licences.errors import UnknownLicenceError


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def test_catalog_has_every_entry(catalog: Catalog) -> None:
    assert len(catalog) == 859  # 733 + 86 SPDX, 37 + 2 ScanCode, 1 copyfair
    assert sum(1 for x in catalog if x.kind is Kind.EXCEPTION) == 87  # 86 SPDX + Commons Clause


def test_lookup_is_case_insensitive_and_returns_canonical_id(catalog: Catalog) -> None:
    assert catalog.require("ppl").id == "PPL"
    assert catalog.require("apache-2.0").id == "Apache-2.0"
    assert catalog.get("licenseref-scancode-hippocratic-3.0") is not None
    assert "mit" in catalog
    assert catalog.get("No-Such-Licence") is None


def test_unknown_id_raises_with_close_matches(catalog: Catalog) -> None:
    with pytest.raises(UnknownLicenceError) as info:
        catalog.require("gpl2")
    assert "GPL-2.0-only" in info.value.close_matches
    assert "gpl2" in str(info.value)


@pytest.mark.parametrize(
    ("licence_id", "category"),
    [
        ("PPL", Category.COPYFAIR),
        ("LicenseRef-copyfair-cooperative-software-license", Category.COPYFAIR),
        ("LicenseRef-scancode-cooperative-non-violent-4.0", Category.COPYFAIR),
        ("LicenseRef-scancode-cooperative-non-violent-7.0", Category.COPYFAIR),
        ("LicenseRef-scancode-anti-capitalist-1.4", Category.COPYFAIR),
        ("CC-BY-NC-SA-3.0", Category.NONCOMMERCIAL),
        ("CC-BY-NC-ND-4.0", Category.NONCOMMERCIAL),
        ("CC-BY-NC-3.0-IGO", Category.NONCOMMERCIAL),
        ("LicenseRef-scancode-cc-by-nc-sa-3.0-us", Category.NONCOMMERCIAL),
        ("PolyForm-Noncommercial-1.0.0", Category.NONCOMMERCIAL),
        ("LicenseRef-scancode-prosperity-3.0", Category.NONCOMMERCIAL),
        ("BUSL-1.1", Category.SOURCE_AVAILABLE),
        ("FSL-1.1-MIT", Category.SOURCE_AVAILABLE),
        ("FSL-1.1-ALv2", Category.SOURCE_AVAILABLE),
        ("Elastic-2.0", Category.SOURCE_AVAILABLE),
        ("LicenseRef-scancode-elastic-license-2018", Category.SOURCE_AVAILABLE),
        ("SSPL-1.0", Category.SOURCE_AVAILABLE),
        ("PolyForm-Small-Business-1.0.0", Category.SOURCE_AVAILABLE),
        ("LicenseRef-scancode-polyform-shield-1.0.0", Category.SOURCE_AVAILABLE),
        ("LicenseRef-scancode-commons-clause", Category.SOURCE_AVAILABLE),
        ("LicenseRef-scancode-llama-3.1-license-2024", Category.SOURCE_AVAILABLE),
        ("Hippocratic-2.1", Category.ETHICAL),
        ("LicenseRef-scancode-Hippocratic-3.0", Category.ETHICAL),
        ("LicenseRef-scancode-bigscience-open-rail-m", Category.ETHICAL),
        ("LicenseRef-scancode-non-violent-4.0", Category.ETHICAL),
        ("GPL-3.0-or-later", Category.COPYLEFT),
        ("AGPL-3.0-only", Category.COPYLEFT),
        ("CC-BY-SA-3.0", Category.COPYLEFT),
        ("Parity-7.0.0", Category.COPYLEFT),
        ("ODbL-1.0", Category.COPYLEFT),
        ("LGPL-2.1-only", Category.WEAK_COPYLEFT),
        ("MPL-2.0", Category.WEAK_COPYLEFT),
        ("Classpath-exception-2.0", Category.WEAK_COPYLEFT),
        ("MIT", Category.PERMISSIVE),
        ("Apache-2.0", Category.PERMISSIVE),
        ("BSD-3-Clause", Category.PERMISSIVE),
        ("CC-BY-4.0", Category.PERMISSIVE),
        ("LLVM-exception", Category.PERMISSIVE),
        ("CC0-1.0", Category.PUBLIC_DOMAIN),
        ("Unlicense", Category.PUBLIC_DOMAIN),
        ("CC-BY-ND-4.0", Category.UNKNOWN),
    ],
)
def test_key_categories(catalog: Catalog, licence_id: str, category: Category) -> None:
    assert catalog.require(licence_id).category is category


def test_every_cc_by_nc_licence_is_noncommercial(catalog: Catalog) -> None:
    ids = [x.id for x in catalog if x.id.startswith("CC-BY-NC-")]
    assert len(ids) == 24
    assert all(catalog.require(i).category is Category.NONCOMMERCIAL for i in ids)


def test_every_entry_has_a_category_and_unknown_stays_rare(catalog: Catalog) -> None:
    assert all(isinstance(x.category, Category) for x in catalog)
    unknown = catalog.by_category(Category.UNKNOWN)
    assert len(unknown) < 40, [x.id for x in unknown]


def test_ordered_puts_copyfair_then_noncommercial_first(catalog: Catalog) -> None:
    ordered = catalog.ordered()
    assert ordered[0].category is Category.COPYFAIR
    first_nc = next(i for i, x in enumerate(ordered) if x.category is Category.NONCOMMERCIAL)
    assert all(x.category is Category.COPYFAIR for x in ordered[:first_nc])


def test_sources_and_metadata(catalog: Catalog) -> None:
    ppl = catalog.require("PPL")
    assert ppl.source is Source.SPDX
    assert "3.28.0" in ppl.origin
    assert ppl.list_version_added == "3.24.0"
    assert ppl.see_also[0].startswith("https://wiki.p2pfoundation.net")
    assert catalog.require("LicenseRef-scancode-fsl-1.1-mit").source is Source.SCANCODE
    gpl2 = catalog.require("GPL-2.0")
    assert gpl2.is_deprecated and gpl2.replaced_by == "GPL-2.0-only"
    assert catalog.require("Apache-2.0").is_osi_approved


def test_texts_are_shipped_without_front_matter(catalog: Catalog) -> None:
    assert catalog.require("PPL").text().startswith("Peer Production License")
    csl = catalog.require("LicenseRef-copyfair-cooperative-software-license").text()
    assert "COOPERATIVE SOFTWARE LICENSE" in csl and "relevance:" not in csl
    assert "is_license_text" not in catalog.require("LicenseRef-scancode-prosperity-3.0").text()
    assert catalog.require("wxWindows").text()  # deprecated ids keep their text


def test_terms_are_attached(catalog: Catalog) -> None:
    assert catalog.require("PPL").terms is not None
    assert catalog.require("MIT").terms is None
    with_terms = {x.id for x in catalog if x.terms is not None}
    nc = {x.id for x in catalog if x.id.startswith("CC-BY-NC-")}
    assert nc | {"PPL", "LicenseRef-scancode-cc-by-nc-sa-3.0-us"} <= with_terms


def test_packaged_data_is_valid() -> None:
    assert validate_catalog_data() == []
