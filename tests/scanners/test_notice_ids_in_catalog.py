"""Every id the notices detector can emit is in the catalog, with a category."""

from __future__ import annotations

import pytest

from licences.catalog import load_catalog
from licences.categories import Category
from scanners.notices.dedications import PUBLIC_DOMAIN
from scanners.notices.references import UNKNOWN_REFERENCE


@pytest.mark.parametrize(
    ("licence_id", "category"),
    [(PUBLIC_DOMAIN, Category.PUBLIC_DOMAIN), (UNKNOWN_REFERENCE, Category.UNKNOWN)],
)
def test_notice_ids_have_catalog_entries(licence_id: str, category: Category) -> None:
    entry = load_catalog().require(licence_id)
    assert entry.category is category
    assert entry.text() == ""  # a reference, not a licence text
    assert entry.notes
