"""Regenerate ``scanners/data/notice_catalog.json`` from the vendored licence data.

The notice recogniser looks licence names and URLs up in a table; reading 800 XML
files in every worker would be slow, so the table is precomputed here and shipped.
Run after updating ``licences/data``::

    python -m scanners.notices.build_table
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from defusedxml import ElementTree

from licences.sources import (
    SPDX_LIST_VERSION,
    SourceKind,
    split_front_matter,
    template_sources,
)

OUT = Path(__file__).resolve().parent.parent / "data" / "notice_catalog.json"
_NS = "{http://www.spdx.org/license}"


def _xml_entry(path: Path) -> dict[str, object] | None:
    root = ElementTree.parse(path).getroot()
    if root is None:
        return None
    node = root.find(f"{_NS}license")
    if node is None:
        node = root.find(f"{_NS}exception")
    if node is None or node.get("deprecatedVersion"):
        return None
    urls = [(x.text or "").strip() for x in node.iter(f"{_NS}crossRef")]
    return {
        "id": node.get("licenseId") or path.stem,
        "names": [node.get("name") or ""],
        "urls": [u for u in urls if u],
    }


def _extra_entry(licence_id: str, path: Path) -> dict[str, object]:
    front, _ = split_front_matter(path.read_text(encoding="utf-8"))
    names: list[str] = []
    urls: list[str] = []
    for key in ("name", "short_name"):
        m = re.search(rf"^{key}:\s*(.+)$", front, re.MULTILINE)
        if m:
            names.append(m.group(1).strip())
    m = re.search(r"^homepage_url:\s*(.+)$", front, re.MULTILINE)
    if m:
        urls.append(m.group(1).strip())
    return {"id": licence_id, "names": names, "urls": urls}


def build() -> dict[str, object]:
    entries: list[dict[str, object]] = []
    for src in template_sources():
        if src.kind is SourceKind.SPDX_XML:
            entry = _xml_entry(src.path)
            if entry is not None:
                entry["exception"] = src.is_exception
                entries.append(entry)
        elif src.path.suffix == ".LICENSE":
            entries.append(_extra_entry(src.licence_id, src.path))
    return {"spdx_list_version": SPDX_LIST_VERSION, "licences": entries}


def main() -> None:
    OUT.write_text(json.dumps(build(), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
