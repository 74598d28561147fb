"""Licences found in a report, with file counts and catalog categories, in display order.

Copyfair and non-commercial licences come first (the catalog's category order),
then by number of files, then by id. Ids the catalog does not know (a
``LicenseRef-`` of the scanned project, an unknown tag) have category ``unknown``.
"""

from __future__ import annotations

from dataclasses import dataclass

from scanners.inventory.model import Component
from scanners.model import ScanReport
from scanners.project import ProjectReport

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


# --- components -----------------------------------------------------------------------

# Components in these categories come first and are listed one by one (they restrict
# commercial use, or nobody knows what they allow).
ATTENTION = ("copyfair", "noncommercial", "source-available", "unknown")


@dataclass(frozen=True, slots=True)
class ComponentRow:
    component: Component
    category: str


def component_rank(category: str) -> tuple[int, int]:
    from licences.categories import CATEGORY_ORDER, Category

    if category in ATTENTION:
        return (0, ATTENTION.index(category))
    try:
        return (1, CATEGORY_ORDER.index(Category(category)))
    except ValueError:
        return (1, len(CATEGORY_ORDER))


def component_category(component: Component) -> str:
    from scanners.inventory import licence_category

    try:
        return str(licence_category(component.licence))
    except Exception:  # the catalog is optional here: never fail a report over it
        return UNKNOWN


def component_rows(report: ProjectReport) -> list[ComponentRow]:
    """Every component with its category; attention categories first (see ATTENTION),
    then by kind order as the inventory sorted them."""
    rows = [ComponentRow(c, component_category(c)) for c in report.components]
    order = {c.id: i for i, c in enumerate(report.components)}
    rows.sort(key=lambda r: (component_rank(r.category), order[r.component.id]))
    return rows


def component_dict(row: ComponentRow) -> dict[str, object]:
    """A component as JSON: the inventory's fields plus its ``category``."""
    out = row.component.to_dict()
    items = list(out.items())
    at = [k for k, _ in items].index("licence") + 1
    items.insert(at, ("category", row.category))
    return dict(items)


def licence_location(component: Component) -> tuple[str, int | None]:
    """Where a component's licence was read (path, line), else where it was declared,
    else its own path."""
    licensed = [e for e in component.evidence if e.licence is not None]
    chosen = licensed[0] if licensed else (component.evidence[0] if component.evidence else None)
    if chosen is None:
        return component.path, None
    return chosen.path, chosen.line


def tool_version() -> str:
    """copyfair's installed version, for the tool fields of SARIF, SPDX and CycloneDX."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("copyfair")
    except PackageNotFoundError:
        return "0"
