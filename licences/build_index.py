"""Build ``licences/data/catalog-index.json``: the compact catalog metadata.

Parsing 820 SPDX XML files takes about a second, too slow for every CLI call, so the
metadata is extracted once into a JSON index that :mod:`licences.catalog` loads in a few
milliseconds. The index records a digest of every input file; a test rebuilds it and fails
when the committed index is stale.

Run ``python -m licences.build_index`` after changing anything under ``licences/data/spdx``
or ``licences/data/extra`` (``--check`` exits 1 if the index is stale, without writing).
"""

from __future__ import annotations

import hashlib
import json
import sys
import tomllib
from pathlib import Path
from typing import Any, cast
from xml.etree.ElementTree import Element

import yaml
from defusedxml import ElementTree

from licences.sources import (
    DATA_DIR,
    EXTRA_DIR,
    REFERENCES_PATH,
    RULE_IDS,
    SPDX_EXCEPTION_XML_DIR,
    SPDX_LIST_COMMIT,
    SPDX_LIST_VERSION,
    SPDX_TEXT_DIR,
    SPDX_XML_DIR,
    extra_licence_id,
    split_front_matter,
)

INDEX_PATH = DATA_DIR / "catalog-index.json"
INDEX_FORMAT = 1
# The ScanCode LicenseDB commit the files in extra/ come from (see data/ORIGIN.md).
SCANCODE_COMMIT = "bc78721"

_NS = "{http://www.spdx.org/license}"

Entry = dict[str, Any]


def _rel(path: Path) -> str:
    return path.relative_to(DATA_DIR).as_posix()


def _spdx_text_paths() -> dict[str, Path]:
    """Plain SPDX texts by lower-cased id (deprecated ids are stored as ``depreciate_<id>``)."""
    out: dict[str, Path] = {}
    for p in sorted(SPDX_TEXT_DIR.glob("*.txt")):
        out[p.stem.removeprefix("depreciate_").lower()] = p
    return out


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    cleaned = " ".join(text.split())
    return cleaned or None


def _spdx_entry(path: Path, texts: dict[str, Path], *, is_exception: bool) -> Entry:
    root = cast(Element, ElementTree.parse(path).getroot())
    tag = f"{_NS}exception" if is_exception else f"{_NS}license"
    node = root.find(tag)
    if node is None:
        raise ValueError(f"{path}: no <{tag}> element")
    licence_id = node.attrib["licenseId"]
    if licence_id != path.stem:
        raise ValueError(f"{path}: licenseId {licence_id!r} does not match the file name")
    replaced_by: str | None = None
    for obsoleted in node.iter(f"{_NS}obsoletedBy"):
        if "expression" not in obsoleted.attrib and obsoleted.text:
            replaced_by = obsoleted.text.strip()
    see_also = [c.text.strip() for c in node.iter(f"{_NS}crossRef") if c.text and c.text.strip()]
    notes_node = node.find(f"{_NS}notes")
    text_path = texts.get(licence_id.lower())
    deprecated_version = node.attrib.get("deprecatedVersion")
    return {
        "id": licence_id,
        "name": _clean(node.attrib["name"]),
        "kind": "exception" if is_exception else "licence",
        "source": "spdx",
        "origin": f"SPDX License List {SPDX_LIST_VERSION} (license-list-XML {SPDX_LIST_COMMIT})",
        "is_osi_approved": node.attrib.get("isOsiApproved") == "true",
        "is_deprecated": deprecated_version is not None,
        "deprecated_version": deprecated_version,
        "replaced_by": replaced_by,
        "list_version_added": node.attrib.get("listVersionAdded"),
        "see_also": see_also,
        "notes": _clean(notes_node.text if notes_node is not None else None),
        "scancode_category": None,
        "text_path": _rel(text_path) if text_path else None,
    }


def _extra_entry(path: Path) -> Entry:
    front_text, _ = split_front_matter(path.read_text(encoding="utf-8"))
    front = yaml.safe_load(front_text) or {}
    if not isinstance(front, dict):
        raise ValueError(f"{path}: front matter is not a mapping")
    licence_id = extra_licence_id(path)
    is_rule = path.suffix == ".RULE"
    urls: list[str] = []
    for key in ("homepage_url", "text_urls", "other_urls", "faq_url"):
        value = front.get(key)
        for url in value if isinstance(value, list) else [value]:
            if isinstance(url, str) and url.strip() and url.strip() not in urls:
                urls.append(url.strip())
    if is_rule:
        # A rule has no name: the id says what it is (it is our own id, not ScanCode's).
        note = front.get("notes")
        if isinstance(note, str):
            for word in note.split():
                if word.startswith("http") and word not in urls:
                    urls.append(word)
    name = front.get("name") or _rule_name(path)
    return {
        "id": licence_id,
        "name": _clean(str(name)),
        "kind": "exception" if front.get("is_exception") is True else "licence",
        "source": "copyfair" if licence_id.startswith("LicenseRef-copyfair-") else "scancode",
        "origin": f"ScanCode LicenseDB ({SCANCODE_COMMIT}): {path.name}",
        "is_osi_approved": False,
        "is_deprecated": front.get("is_deprecated") is True,
        "deprecated_version": None,
        "replaced_by": None,
        "list_version_added": None,
        "see_also": urls,
        "notes": _clean(str(front["notes"])) if front.get("notes") else None,
        "scancode_category": front.get("category"),
        "text_path": _rel(path),
    }


def _reference_entries() -> list[Entry]:
    """The entries without a text (``references.toml``): ids the notices detector emits."""
    data = tomllib.loads(REFERENCES_PATH.read_text(encoding="utf-8"))
    return [
        {
            "id": str(item["id"]),
            "name": str(item["name"]),
            "kind": "licence",
            "source": "scancode",
            "origin": f"ScanCode LicenseDB key, no text ({REFERENCES_PATH.name})",
            "is_osi_approved": False,
            "is_deprecated": False,
            "deprecated_version": None,
            "replaced_by": None,
            "list_version_added": None,
            "see_also": [str(url) for url in item.get("see_also", [])],
            "notes": str(item["notes"]) if item.get("notes") else None,
            "scancode_category": item.get("scancode_category"),
            "text_path": None,
        }
        for item in data.get("reference", [])
    ]


def _rule_name(path: Path) -> str:
    body = split_front_matter(path.read_text(encoding="utf-8"))[1]
    first = next((line.strip() for line in body.splitlines() if line.strip()), path.stem)
    return first.title()


def inputs_digest() -> str:
    """SHA-256 over the names and bytes of every input file of the index."""
    h = hashlib.sha256()
    files = [
        *sorted(SPDX_XML_DIR.glob("*.xml")),
        *sorted(SPDX_EXCEPTION_XML_DIR.glob("*.xml")),
        *sorted(SPDX_TEXT_DIR.glob("*.txt")),
        *sorted(p for p in EXTRA_DIR.iterdir() if p.suffix in (".LICENSE", ".RULE")),
        REFERENCES_PATH,
    ]
    for p in files:
        h.update(_rel(p).encode())
        h.update(b"\0")
        h.update(p.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def build_index() -> dict[str, Any]:
    """The index as a JSON-ready dict (deterministic: same data, same output)."""
    texts = _spdx_text_paths()
    entries: list[Entry] = []
    for p in sorted(SPDX_XML_DIR.glob("*.xml")):
        entries.append(_spdx_entry(p, texts, is_exception=False))
    for p in sorted(SPDX_EXCEPTION_XML_DIR.glob("*.xml")):
        entries.append(_spdx_entry(p, texts, is_exception=True))
    seen = {e["id"] for e in entries}
    variants: dict[str, list[str]] = {}
    for p in sorted(EXTRA_DIR.iterdir()):
        if p.suffix not in (".LICENSE", ".RULE"):
            continue
        licence_id = extra_licence_id(p)
        if licence_id in seen:
            # e.g. the "COPYFARLEFT PUBLIC LICENSE" rule is another text of SPDX's PPL.
            variants.setdefault(licence_id, []).append(_rel(p))
            continue
        if p.name in RULE_IDS or p.suffix == ".LICENSE":
            entries.append(_extra_entry(p))
            seen.add(licence_id)
    for entry in _reference_entries():
        if entry["id"] in seen:
            raise ValueError(f"{REFERENCES_PATH.name}: {entry['id']} is already in the catalog")
        entries.append(entry)
        seen.add(entry["id"])
    for e in entries:
        e["variant_text_paths"] = variants.get(e["id"], [])
    entries.sort(key=lambda e: str(e["id"]).lower())
    return {
        "format": INDEX_FORMAT,
        "spdx_list_version": SPDX_LIST_VERSION,
        "spdx_list_commit": SPDX_LIST_COMMIT,
        "scancode_commit": SCANCODE_COMMIT,
        "inputs_digest": inputs_digest(),
        "entries": entries,
    }


def render_index(index: dict[str, Any]) -> str:
    return json.dumps(index, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    rendered = render_index(build_index())
    current = INDEX_PATH.read_text(encoding="utf-8") if INDEX_PATH.exists() else ""
    if "--check" in args:
        if rendered != current:
            print(f"{INDEX_PATH} is stale: run python -m licences.build_index", file=sys.stderr)
            return 1
        print(f"{INDEX_PATH} is up to date")
        return 0
    INDEX_PATH.write_text(rendered, encoding="utf-8")
    print(f"wrote {INDEX_PATH} ({len(json.loads(rendered)['entries'])} entries)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
