"""Licences found in a report, with file counts and catalog categories, in display order.

Copyfair and non-commercial licences come first (the catalog's category order),
then by number of files, then by id. Ids the catalog does not know (a
``LicenseRef-`` of the scanned project, an unknown tag) have category ``unknown``.
"""

from __future__ import annotations

from dataclasses import dataclass

from scanners.model import ScanReport

UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class LicenceCount:
    licence: str
    name: str
    category: str
    files: int
    rank: int  # position of the category in display order

    def to_dict(self) -> dict[str, object]:
        return {
            "licence": self.licence,
            "name": self.name,
            "category": self.category,
            "files": self.files,
        }


def _describe(licence_id: str) -> tuple[str, str, int]:
    """(name, category, rank) from the catalog; unknown when it cannot say."""
    try:
        from licences.catalog import load_catalog
        from licences.categories import category_rank

        entry = load_catalog().get(licence_id)
    except Exception:  # the catalog is optional here: never fail a scan over it
        return licence_id, UNKNOWN, 99
    if entry is None:
        from licences.categories import CATEGORY_ORDER, Category

        return licence_id, UNKNOWN, CATEGORY_ORDER.index(Category.UNKNOWN)
    return entry.name, str(entry.category), category_rank(entry.category)


def summarise(report: ScanReport) -> list[LicenceCount]:
    counts: dict[str, int] = {}
    for result in report.files:
        for licence in result.licences:
            counts[licence] = counts.get(licence, 0) + 1
    out: list[LicenceCount] = []
    for lid, n in counts.items():
        name, category, rank = _describe(lid)
        out.append(LicenceCount(lid, name, category, n, rank))
    out.sort(key=lambda c: (c.rank, -c.files, c.licence.lower()))
    return out
