"""The component inventory: which components a tree holds and under which licence.

Entry point: :func:`inventory_from_files` (``scanners.inventory.discover``) takes the scan
root and the relative paths the walk found, and returns an :class:`Inventory` of
:class:`Component` objects (project, vendored code, dependencies, datasets) and the files
that could not be parsed. The parsers behind it are pure functions of ``(text, path)``, one
module per ecosystem: :mod:`.python`, :mod:`.javascript`, :mod:`.rust`, :mod:`.go`,
:mod:`.java`, :mod:`.datasets`.

The model is imported eagerly; the parsers only when a name from them is first used
(PEP 562), so that a fully cached rescan, which parses nothing, does not import them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from scanners.inventory.model import (
    NOASSERTION,
    Component,
    ComponentEvidence,
    ComponentKind,
    EvidenceMethod,
    Inventory,
    Scope,
)

if TYPE_CHECKING:
    from scanners.inventory.discover import (
        component_roots,
        inventory_from_files,
        merge_components,
        owner_of,
    )
    from scanners.inventory.licensing import licence_category

_LAZY = {
    "component_roots": "scanners.inventory.discover",
    "inventory_from_files": "scanners.inventory.discover",
    "merge_components": "scanners.inventory.discover",
    "owner_of": "scanners.inventory.discover",
    "licence_category": "scanners.inventory.licensing",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


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
