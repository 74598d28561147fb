"""The component inventory: which components a tree holds and under which licence.

Entry point: :func:`inventory_from_files` (``scanners.inventory.discover``) takes the scan
root and the relative paths the walk found, and returns an :class:`Inventory` of
:class:`Component` objects (project, vendored code, dependencies, datasets) and the files
that could not be parsed. The parsers behind it are pure functions of ``(text, path)``, one
module per ecosystem: :mod:`.python`, :mod:`.javascript`, :mod:`.rust`, :mod:`.go`,
:mod:`.java`, :mod:`.datasets`.
"""

from scanners.inventory.discover import (
    component_roots,
    inventory_from_files,
    merge_components,
    owner_of,
)
from scanners.inventory.licensing import licence_category
from scanners.inventory.model import (
    NOASSERTION,
    Component,
    ComponentEvidence,
    ComponentKind,
    EvidenceMethod,
    Inventory,
    Scope,
)

__all__ = [
    "NOASSERTION",
    "Component",
    "ComponentEvidence",
    "ComponentKind",
    "EvidenceMethod",
    "Inventory",
    "Scope",
    "component_roots",
    "inventory_from_files",
    "licence_category",
    "merge_components",
    "owner_of",
]
