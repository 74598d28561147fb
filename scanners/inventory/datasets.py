"""Datasets: Hugging Face dataset cards, Frictionless ``datapackage.json``, Croissant and
schema.org ``Dataset`` JSON-LD, DCAT (JSON-LD and RDF/XML), Kaggle ``dataset-metadata.json``,
and datasets referenced from code (``load_dataset("org/name")``, ``kagglehub.
dataset_download(...)``, ``tfds.load(...)``).

A declared dataset's component is rooted at the directory of its declaration: data files
(csv, parquet, images, ...) below it belong to it. A dataset referenced from code is
``NOASSERTION`` unless a local card says otherwise (see :func:`hugging_face_cache_card`).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

from scanners.inventory import purl
from scanners.inventory.common import declared_evidence, existence, line_of
from scanners.inventory.licensing import (
    Interpretation,
    combine,
    interpret,
    interpret_hugging_face,
    interpret_kaggle,
)
from scanners.inventory.model import (
    Component,
    ComponentEvidence,
    ComponentKind,
    EvidenceMethod,
    Inventory,
    make_component,
)
from scanners.inventory.parsing import (
    ParseFailure,
    front_matter,
    load_json,
    load_mapping,
    load_xml,
    load_yaml,
)
from scanners.keywords import AnyKeyword
from scanners.model import Skipped

DATA_EXTENSIONS = frozenset(
    {
        ".csv", ".tsv", ".parquet", ".jsonl", ".ndjson", ".arrow", ".feather", ".avro",
        ".orc", ".npy", ".npz", ".h5", ".hdf5", ".tfrecord", ".json.gz", ".jsonl.gz",
        ".csv.gz", ".jpg", ".jpeg", ".png", ".gif", ".bmp", ".tif", ".tiff", ".webp",
        ".wav", ".mp3", ".flac", ".ogg", ".opus", ".m4a", ".mp4", ".webm",
    }
)  # fmt: skip

# Keys that make a README's front matter a dataset card (model cards have others).
_CARD_KEYS = frozenset(
    {
        "dataset_info", "configs", "task_categories", "task_ids", "size_categories",
        "annotations_creators", "language_creators", "source_datasets", "multilinguality",
        "paperswithcode_id", "pretty_name", "dataset_summary",
    }
)  # fmt: skip
_MODEL_KEYS = frozenset({"pipeline_tag", "library_name", "base_model", "model-index"})

_NS_DCAT = "http://www.w3.org/ns/dcat#"
_NS_DCT = "http://purl.org/dc/terms/"
_NS_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_NS_SCHEMA = ("http://schema.org/", "https://schema.org/")

_CC = re.compile(
    r"creativecommons\.org/licenses/([a-z\-]+)/(\d\.\d)(?:/([a-z]{2,3}))?", re.IGNORECASE
)
_URLS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"creativecommons\.org/publicdomain/zero/1\.0", re.I), "CC0-1.0"),
    (re.compile(r"creativecommons\.org/publicdomain/mark/1\.0", re.I), "LicenseRef-public-domain"),
    (re.compile(r"opendatacommons\.org/licenses/odbl", re.I), "ODbL-1.0"),
    (re.compile(r"opendatacommons\.org/licenses/by", re.I), "ODC-By-1.0"),
    (re.compile(r"opendatacommons\.org/licenses/pddl", re.I), "PDDL-1.0"),
    (
        re.compile(r"opendatacommons\.org/licenses/dbcl", re.I),
        "LicenseRef-copyfair-kaggle-dbcl-1.0",
    ),
    (re.compile(r"apache\.org/licenses/LICENSE-2\.0", re.I), "Apache-2.0"),
    (re.compile(r"opensource\.org/licenses?/MIT", re.I), "MIT"),
    (re.compile(r"gnu\.org/licenses/gpl-3\.0", re.I), "GPL-3.0-only"),
    (re.compile(r"etalab\.gouv\.fr/licence-ouverte", re.I), "etalab-2.0"),
)
_SPDX_URL = re.compile(r"spdx\.org/licenses/([A-Za-z0-9.+\-]+?)(?:\.html|\.json)?/?$")

# Frictionless uses Open Definition ids.
_OPEN_DEFINITION = {
    "odc-odbl": "ODbL-1.0",
    "odc-odbl-1.0": "ODbL-1.0",
    "odc-by": "ODC-By-1.0",
    "odc-by-1.0": "ODC-By-1.0",
    "odc-pddl": "PDDL-1.0",
    "odc-pddl-1.0": "PDDL-1.0",
    "cc-zero": "CC0-1.0",
    "cc-by": None,
    "cc-by-sa": None,
}


_DATA_SUFFIXES = tuple(sorted(DATA_EXTENSIONS))  # str.endswith takes a tuple: one C call


def is_data_file(path: str) -> bool:
    return path.lower().endswith(_DATA_SUFFIXES)


def interpret_url(url: str) -> Interpretation:
    """A licence URL (Creative Commons, Open Data Commons, spdx.org, ...) or id."""
    value = url.strip()
    m = _CC.search(value)
    if m:
        kind, version, port = m.group(1).upper(), m.group(2), m.group(3)
        candidate = f"CC-{kind}-{version}" + (f"-{port.upper()}" if port else "")
        meaning = interpret(candidate)
        if meaning.expression is None and port:
            meaning = interpret(f"CC-{kind}-{version}")
        if meaning.expression:
            return Interpretation(meaning.expression, 0.95)
    m = _SPDX_URL.search(value)
    if m:
        return interpret(m.group(1))
    for pattern, licence in _URLS:
        if pattern.search(value):
            meaning = interpret(licence)
            if meaning.expression:
                return Interpretation(meaning.expression, 0.9)
    if "://" in value:
        return Interpretation(None, reason=f"licence URL {value!r} is not known to copyfair")
    return interpret_hugging_face(value)


def _dataset(
    name: str,
    version: str | None,
    root: str,
    meanings: list[Interpretation],
    evidence: list[ComponentEvidence],
    dataset_purl: str | None = None,
    reason: str | None = None,
) -> Component:
    expressions = [m.expression for m in meanings if m.expression]
    unknown = [m.reason for m in meanings if not m.expression]
    if expressions and not unknown:
        expression: str | None = combine(expressions)
        reason = None
    else:
        expression = None
        reason = unknown[0] if unknown else (reason or "no licence declared")
    return make_component(
        name=name,
        version=version,
        kind=ComponentKind.DATASET,
        path=root or ".",
        purl=dataset_purl,
        licence=expression,
        licence_reason=reason,
        evidence=tuple(evidence),
        ecosystem=None,
    )


def _root_name(path: str, fallback: str = "dataset") -> str:
    root = posixpath.dirname(path)
    return posixpath.basename(root) if root else fallback


# --- Hugging Face dataset cards -------------------------------------------------------


def _slug(value: str) -> str:
    return re.sub(r"[^A-Za-z0-9.\-]+", "-", value).strip("-") or "unnamed"


def card_licence(
    meta: dict[str, Any], text: str, path: str
) -> tuple[list[Interpretation], list[ComponentEvidence]]:
    """The licences a card's front matter declares (``license:`` a string or a list;
    ``other`` with ``license_name``/``license_link``)."""
    declared = meta.get("license")
    values = [declared] if isinstance(declared, str) else declared
    meanings: list[Interpretation] = []
    evidence: list[ComponentEvidence] = []
    line = line_of(text, "\nlicense:", "license:")
    for value in values if isinstance(values, list) else []:
        if not isinstance(value, str):
            continue
        meaning = interpret_hugging_face(value)
        detail = None
        if value.strip().lower() == "other":
            name = meta.get("license_name")
            link = meta.get("license_link")
            if isinstance(name, str) and name.strip():
                known = interpret_hugging_face(name)
                meaning = (
                    known
                    if known.expression
                    else Interpretation(f"LicenseRef-hf-{_slug(name)}", 0.5)
                )
                detail = f"license: other, license_name: {name!r}"
            else:
                meaning = Interpretation(None, reason="license: other, without a license_name")
                detail = "license: other"
            if isinstance(link, str):
                detail += f", license_link: {link}"
        meaning, ev = declared_evidence(value, EvidenceMethod.DATASET_CARD, path, line, meaning)
        if detail is not None:
            ev = ComponentEvidence(ev.method, ev.path, ev.line, ev.score, ev.licence, detail)
        meanings.append(meaning)
        evidence.append(ev)
    return meanings, evidence


def parse_hugging_face_card(text: str, path: str, repo_id: str | None = None) -> Inventory:
    """A ``README.md`` whose YAML front matter is a Hugging Face *dataset* card; any other
    README gives nothing (not a skip). ``repo_id`` (``org/name``), when known, gives the
    component its name and purl."""
    found = front_matter(text)
    if found is None:
        return Inventory()
    try:
        meta = load_yaml("\n" * (found[1] - 1) + found[0])  # padded: lines as in the file
    except ParseFailure as exc:
        return Inventory(skipped=(Skipped(path, f"dataset card front matter: {exc}"),))
    if not isinstance(meta, dict):
        return Inventory()
    keys = set(meta)
    if not keys & _CARD_KEYS and (repo_id is None or keys & _MODEL_KEYS):
        return Inventory()
    meanings, evidence = card_licence(meta, text, path)
    if not evidence:
        evidence = [existence(EvidenceMethod.DATASET_CARD, path, 1, "dataset card")]
    pretty = meta.get("pretty_name")
    name = repo_id or (pretty if isinstance(pretty, str) and pretty else _root_name(path))
    return Inventory(
        (
            _dataset(
                name,
                None,
                posixpath.dirname(path),
                meanings,
                evidence,
                purl.hugging_face_dataset(repo_id) if repo_id else None,
                "no license in the dataset card",
            ),
        )
    )


# --- Frictionless, Kaggle -------------------------------------------------------------


def _licence_list(
    entries: Any, text: str, path: str, interpret_one: Any
) -> tuple[list[Interpretation], list[ComponentEvidence]]:
    meanings: list[Interpretation] = []
    evidence: list[ComponentEvidence] = []
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, str):
            entry = {"name": entry}
        if not isinstance(entry, dict):
            continue
        value = entry.get("name") or entry.get("path") or entry.get("title")
        if not isinstance(value, str):
            continue
        meaning: Interpretation = interpret_one(value)
        if meaning.expression is None and isinstance(entry.get("path"), str):
            by_url = interpret_url(entry["path"])
            meaning = by_url if by_url.expression else meaning
        line = line_of(text, f'"{value}"')
        meaning, ev = declared_evidence(value, EvidenceMethod.DATASET_CARD, path, line, meaning)
        meanings.append(meaning)
        evidence.append(ev)
    return meanings, evidence


def _open_definition(value: str) -> Interpretation:
    key = value.strip().lower()
    if key in _OPEN_DEFINITION:
        mapped = _OPEN_DEFINITION[key]
        if mapped is None:
            return Interpretation(None, reason=f"{value!r} has no version")
        return Interpretation(mapped, 0.95)
    if "://" in value:
        return interpret_url(value)
    return interpret_hugging_face(value)


def parse_datapackage(text: str, path: str) -> Inventory:
    """Frictionless ``datapackage.json``: ``name``, ``version``, ``licenses``."""
    try:
        data = load_mapping(load_json, text, "datapackage.json: not a JSON object")
    except ParseFailure as exc:
        return Inventory(skipped=(exc.skipped(path),))
    meanings, evidence = _licence_list(data.get("licenses"), text, path, _open_definition)
    name = data.get("name") or data.get("title") or _root_name(path)
    version = data.get("version") if isinstance(data.get("version"), str) else None
    return Inventory(
        (
            _dataset(
                str(name),
                version,
                posixpath.dirname(path),
                meanings,
                evidence or [existence(EvidenceMethod.DATASET_CARD, path, None, "data package")],
                reason="no licenses in datapackage.json",
            ),
        )
    )


def parse_kaggle_metadata(text: str, path: str) -> Inventory:
    """Kaggle ``dataset-metadata.json``: ``id`` (``owner/slug``), ``title``, ``licenses``."""
    try:
        data = load_mapping(load_json, text, "dataset-metadata.json: not a JSON object")
    except ParseFailure as exc:
        return Inventory(skipped=(exc.skipped(path),))
    meanings, evidence = _licence_list(data.get("licenses"), text, path, interpret_kaggle)
    ref = data.get("id") if isinstance(data.get("id"), str) else None
    name = ref or data.get("title") or _root_name(path)
    return Inventory(
        (
            _dataset(
                str(name),
                None,
                posixpath.dirname(path),
                meanings,
                evidence or [existence(EvidenceMethod.DATASET_CARD, path, None, "Kaggle dataset")],
                purl.kaggle_dataset(ref) if ref and "/" in ref else None,
                "no licenses in dataset-metadata.json",
            ),
        )
    )


# --- JSON-LD: Croissant, schema.org, DCAT ---------------------------------------------

_DATASET_TYPES = frozenset(
    {"dataset", "sc:dataset", "schema:dataset", "dcat:dataset", _NS_DCAT + "dataset"}
    | {ns.lower() + "dataset" for ns in _NS_SCHEMA}
)
_LICENCE_KEYS = ("license", "sc:license", "schema:license", "dct:license", "dcterms:license")


def _is_dataset(node: dict[str, Any]) -> bool:
    types = node.get("@type")
    values = types if isinstance(types, list) else [types]
    return any(isinstance(t, str) and t.lower() in _DATASET_TYPES for t in values)


def _json_ld_nodes(data: Any) -> Iterable[dict[str, Any]]:
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(reversed(node))
        elif isinstance(node, dict):
            yield node
            graph = node.get("@graph")
            if graph is not None:
                stack.append(graph)


def _licence_values(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in values:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict):
            for key in ("@id", "url", "identifier", "name", "@value"):
                if isinstance(item.get(key), str):
                    out.append(item[key])
                    break
    return out


def parse_json_ld(text: str, path: str) -> Inventory:
    """Croissant / schema.org ``Dataset`` and DCAT ``dcat:Dataset`` nodes in JSON-LD (at
    the top level or in ``@graph``), with ``license`` / ``dct:license``. A JSON-LD file
    without a dataset node gives nothing."""
    try:
        data = load_json(text)
    except ParseFailure as exc:
        return Inventory(skipped=(exc.skipped(path),))
    components: list[Component] = []
    for node in _json_ld_nodes(data):
        if not _is_dataset(node):
            continue
        meanings: list[Interpretation] = []
        evidence: list[ComponentEvidence] = []
        for key in _LICENCE_KEYS:
            for value in _licence_values(node.get(key)):
                meaning, ev = declared_evidence(
                    value,
                    EvidenceMethod.DATASET_CARD,
                    path,
                    line_of(text, f'"{value}"'),
                    interpret_url(value),
                )
                meanings.append(meaning)
                evidence.append(ev)
        name = next(
            (
                v
                for k in ("name", "dct:title", "dcterms:title", "title", "@id")
                if isinstance(v := node.get(k), str)
            ),
            _root_name(path),
        )
        version = node.get("version") if isinstance(node.get("version"), str) else None
        components.append(
            _dataset(
                name,
                version,
                posixpath.dirname(path),
                meanings,
                evidence or [existence(EvidenceMethod.DATASET_CARD, path, None, "JSON-LD Dataset")],
                reason="no license in the dataset description",
            )
        )
    return Inventory(tuple(components))


def parse_dcat_rdf_xml(text: str, path: str) -> Inventory:
    """DCAT in RDF/XML: each ``dcat:Dataset`` with its ``dct:license`` (a resource URL or
    text; licences of its distributions count when the dataset has none of its own)."""
    try:
        root = load_xml(text.encode("utf-8"))
    except ParseFailure as exc:
        return Inventory(skipped=(exc.skipped(path),))
    components: list[Component] = []
    for dataset in root.iter(f"{{{_NS_DCAT}}}Dataset"):
        values = _rdf_licences(dataset, direct=True) or _rdf_licences(dataset, direct=False)
        meanings: list[Interpretation] = []
        evidence: list[ComponentEvidence] = []
        for value in values:
            meaning, ev = declared_evidence(
                value,
                EvidenceMethod.DATASET_CARD,
                path,
                line_of(text, value),
                interpret_url(value),
            )
            meanings.append(meaning)
            evidence.append(ev)
        title = dataset.find(f"{{{_NS_DCT}}}title")
        about = dataset.get(f"{{{_NS_RDF}}}about")
        name = (title.text or "").strip() if title is not None else ""
        components.append(
            _dataset(
                name or about or _root_name(path),
                None,
                posixpath.dirname(path),
                meanings,
                evidence or [existence(EvidenceMethod.DATASET_CARD, path, None, "dcat:Dataset")],
                reason="no dct:license in the DCAT description",
            )
        )
    return Inventory(tuple(components))


def _rdf_licences(dataset: Element, *, direct: bool) -> list[str]:
    tag = f"{{{_NS_DCT}}}license"
    elements = dataset.findall(tag) if direct else list(dataset.iter(tag))
    out = []
    for element in elements:
        value = element.get(f"{{{_NS_RDF}}}resource")
        if value is None:
            inner = next(iter(element), None)
            value = inner.get(f"{{{_NS_RDF}}}about") if inner is not None else None
        if value is None and element.text and element.text.strip():
            value = element.text.strip()
        if value:
            out.append(value)
    return out


# --- datasets referenced from code ----------------------------------------------------

_QUOTE = r"""\\?["']"""
_NAME = r"([A-Za-z0-9][\w.\-]*(?:/[\w.\-]+)*)"
_HF_CALL = re.compile(rf"\bload_dataset\(\s*(?:path\s*=\s*)?{_QUOTE}{_NAME}{_QUOTE}")
_KAGGLE_CALL = re.compile(
    rf"\bkagglehub\.dataset_download\(\s*(?:handle\s*=\s*)?{_QUOTE}{_NAME}{_QUOTE}"
)
_TFDS_CALL = re.compile(
    rf"\btfds\.(?:load|builder)\(\s*(?:name\s*=\s*)?{_QUOTE}([\w.\-/:]+){_QUOTE}"
)
# load_dataset's packaged builders read local files: they name a format, not a dataset.
_HF_BUILDERS = frozenset(
    {"csv", "json", "parquet", "text", "arrow", "pandas", "sql", "imagefolder", "audiofolder",
     "videofolder", "webdataset", "generator", "xml", "spark", "cache"}
)  # fmt: skip
_CODE_SUFFIXES = (".py", ".ipynb", ".pyi")


def is_code_file(path: str) -> bool:
    return path.endswith(_CODE_SUFFIXES)


# The calls datasets_in_code looks for, as bytes (ASCII case ignored: a superset).
_LOADS = AnyKeyword((b"load_dataset", b"dataset_download", b"tfds."))


def may_load_datasets(data: bytes) -> bool:
    """Whether a code file's bytes may load a dataset by name (else
    :func:`datasets_in_code` finds nothing in them)."""
    return _LOADS.found_in(data)


def datasets_in_code(text: str, path: str) -> Inventory:
    """Datasets a Python file or notebook loads by name: Hugging Face ``load_dataset``,
    ``kagglehub.dataset_download``, TensorFlow Datasets ``tfds.load``. Each is a dataset
    component declared by that file, ``NOASSERTION`` until a card says otherwise."""
    if "load_dataset" not in text and "dataset_download" not in text and "tfds." not in text:
        return Inventory()
    components: list[Component] = []
    seen: set[tuple[str, str]] = set()
    for pattern, source in (
        (_HF_CALL, "huggingface"),
        (_KAGGLE_CALL, "kaggle"),
        (_TFDS_CALL, "tfds"),
    ):
        for m in pattern.finditer(text):
            ref = m.group(1)
            if source == "huggingface" and ref.lower() in _HF_BUILDERS:
                continue
            version = None
            if source == "kaggle" and "/versions/" in ref:
                ref, _, version = ref.partition("/versions/")
            if source == "tfds" and ":" in ref:
                ref, _, version = ref.partition(":")
            if (source, ref) in seen:
                continue
            seen.add((source, ref))
            line = text.count("\n", 0, m.start()) + 1
            if source == "huggingface":
                dataset_purl: str | None = purl.hugging_face_dataset(ref)
            elif source == "kaggle":
                dataset_purl = purl.kaggle_dataset(ref, version)
            else:
                dataset_purl = None
            components.append(
                make_component(
                    name=ref,
                    version=version,
                    kind=ComponentKind.DATASET,
                    path=path,
                    purl=dataset_purl,
                    licence_reason="dataset loaded by code; no local dataset card",
                    evidence=(
                        existence(
                            EvidenceMethod.CODE_REFERENCE, path, line, m.group(0).replace("\\", "")
                        ),
                    ),
                    ecosystem=source,
                )
            )
    return Inventory(tuple(components))


def hugging_face_cache_card(repo_id: str, hub_cache: Path) -> tuple[str, str] | None:
    """The text of a cached dataset card in the local Hugging Face hub cache
    (``<hub_cache>/datasets--org--name/snapshots/<rev>/README.md``) and its path, or None.
    The newest snapshot (by modification time) wins."""
    folder = hub_cache / ("datasets--" + repo_id.replace("/", "--")) / "snapshots"
    try:
        cards = [p for p in folder.glob("*/README.md") if p.is_file()]
        if not cards:
            return None
        newest = max(cards, key=lambda p: p.stat().st_mtime)
        return newest.read_text(encoding="utf-8", errors="replace"), str(newest)
    except OSError:
        return None
