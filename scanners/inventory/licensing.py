"""Declared licences → normalised SPDX expressions.

Manifests declare licences in many ways: SPDX expressions (``MIT OR Apache-2.0``), names
(``Apache License 2.0``, ``BSD``), trove classifiers (``License :: OSI Approved :: MIT
License``), Hugging Face ids (``cc-by-nc-4.0``, ``openrail``). :func:`interpret` turns one
of them into an expression normalised by :func:`licences.expressions.normalise`, or into
no expression with the reason why (an ambiguous name such as ``BSD`` is *not* guessed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from licences.catalog import load_catalog
from licences.categories import Category, category_rank
from licences.errors import ExpressionError
from licences.expressions import licence_ids, parse_expression
from scanners.inventory.model import NOASSERTION


@dataclass(frozen=True, slots=True)
class Interpretation:
    """What a declared licence string means: ``expression`` (normalised) or None with
    ``reason``; ``score`` is how sure the mapping is (1.0 for a valid SPDX expression)."""

    expression: str | None
    score: float = 1.0
    reason: str | None = None


# Names seen in manifests, compared lower-case with runs of spaces, '-', '_', ',' and '.'
# squeezed to one space (see _key). Ambiguous names map to None.
_ALIASES: dict[str, str | None] = {
    "mit license": "MIT",
    "the mit license": "MIT",
    "mit licence": "MIT",
    "expat": "MIT",
    "mit x11": "MIT",
    "apache 2": "Apache-2.0",
    "apache 2 0": "Apache-2.0",
    "apache2": "Apache-2.0",
    "apache license 2 0": "Apache-2.0",
    "apache license version 2 0": "Apache-2.0",
    "apache software license 2 0": "Apache-2.0",
    "apache software license version 2 0": "Apache-2.0",
    "the apache software license version 2 0": "Apache-2.0",
    "the apache license version 2 0": "Apache-2.0",
    "asl 2 0": "Apache-2.0",
    "apache": None,
    "apache license": None,
    "apache software license": None,
    "bsd": None,
    "bsd license": None,
    "new bsd": "BSD-3-Clause",
    "new bsd license": "BSD-3-Clause",
    "modified bsd": "BSD-3-Clause",
    "modified bsd license": "BSD-3-Clause",
    "bsd 3": "BSD-3-Clause",
    "3 clause bsd": "BSD-3-Clause",
    "bsd 3 clause license": "BSD-3-Clause",
    "simplified bsd": "BSD-2-Clause",
    "bsd 2": "BSD-2-Clause",
    "2 clause bsd": "BSD-2-Clause",
    "bsd 2 clause license": "BSD-2-Clause",
    "gpl": None,
    "gnu gpl": None,
    "gplv2": "GPL-2.0-only",
    "gpl v2": "GPL-2.0-only",
    "gplv2+": "GPL-2.0-or-later",
    "gplv3": "GPL-3.0-only",
    "gpl v3": "GPL-3.0-only",
    "gplv3+": "GPL-3.0-or-later",
    "lgpl": None,
    "lgplv2 1": "LGPL-2.1-only",
    "lgplv2 1+": "LGPL-2.1-or-later",
    "lgplv3": "LGPL-3.0-only",
    "lgplv3+": "LGPL-3.0-or-later",
    "agplv3": "AGPL-3.0-only",
    "agplv3+": "AGPL-3.0-or-later",
    "mpl 2 0": "MPL-2.0",
    "mpl2": "MPL-2.0",
    "mozilla public license 2 0": "MPL-2.0",
    "isc license": "ISC",
    "psf": "PSF-2.0",
    "psfl": "PSF-2.0",
    "python software foundation license": "PSF-2.0",
    "unlicense": "Unlicense",
    "the unlicense": "Unlicense",
    "cc0": "CC0-1.0",
    "cc0 1 0": "CC0-1.0",
    "wtfpl": "WTFPL",
    "zlib": "Zlib",
    "boost": "BSL-1.0",
    "public domain": None,
    "proprietary": None,
    "other": None,
    "unknown": None,
    "none": None,
    "unlicensed": None,
}

# Trove classifiers (after "License :: "). Ambiguous ones (no version) map to None.
CLASSIFIERS: dict[str, str | None] = {
    "OSI Approved :: MIT License": "MIT",
    "OSI Approved :: MIT No Attribution License (MIT-0)": "MIT-0",
    "OSI Approved :: Apache Software License": "Apache-2.0",
    "OSI Approved :: BSD License": None,
    "OSI Approved :: ISC License (ISCL)": "ISC",
    "OSI Approved :: GNU General Public License (GPL)": None,
    "OSI Approved :: GNU General Public License v2 (GPLv2)": "GPL-2.0-only",
    "OSI Approved :: GNU General Public License v2 or later (GPLv2+)": "GPL-2.0-or-later",
    "OSI Approved :: GNU General Public License v3 (GPLv3)": "GPL-3.0-only",
    "OSI Approved :: GNU General Public License v3 or later (GPLv3+)": "GPL-3.0-or-later",
    "OSI Approved :: GNU Lesser General Public License v2 (LGPLv2)": "LGPL-2.0-only",
    "OSI Approved :: GNU Lesser General Public License v2 or later (LGPLv2+)": "LGPL-2.0-or-later",
    "OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)": "LGPL-3.0-only",
    "OSI Approved :: GNU Lesser General Public License v3 or later (LGPLv3+)": "LGPL-3.0-or-later",
    "OSI Approved :: GNU Library or Lesser General Public License (LGPL)": None,
    "OSI Approved :: GNU Affero General Public License v3": "AGPL-3.0-only",
    "OSI Approved :: GNU Affero General Public License v3 or later (AGPLv3+)": "AGPL-3.0-or-later",
    "OSI Approved :: Mozilla Public License 1.0 (MPL)": "MPL-1.0",
    "OSI Approved :: Mozilla Public License 1.1 (MPL 1.1)": "MPL-1.1",
    "OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
    "OSI Approved :: Python Software Foundation License": "PSF-2.0",
    "OSI Approved :: The Unlicense (Unlicense)": "Unlicense",
    "OSI Approved :: Eclipse Public License 1.0 (EPL-1.0)": "EPL-1.0",
    "OSI Approved :: Eclipse Public License 2.0 (EPL-2.0)": "EPL-2.0",
    "OSI Approved :: European Union Public Licence 1.0 (EUPL 1.0)": "EUPL-1.0",
    "OSI Approved :: European Union Public Licence 1.1 (EUPL 1.1)": "EUPL-1.1",
    "OSI Approved :: European Union Public Licence 1.2 (EUPL 1.2)": "EUPL-1.2",
    "OSI Approved :: Boost Software License 1.0 (BSL-1.0)": "BSL-1.0",
    "OSI Approved :: zlib/libpng License": "Zlib",
    "OSI Approved :: Universal Permissive License (UPL)": "UPL-1.0",
    "OSI Approved :: Common Development and Distribution License 1.0 (CDDL-1.0)": "CDDL-1.0",
    "OSI Approved :: Historical Permission Notice and Disclaimer (HPND)": "HPND",
    "OSI Approved :: Blue Oak Model License (BlueOak-1.0.0)": "BlueOak-1.0.0",
    "OSI Approved :: Academic Free License (AFL)": None,
    "OSI Approved :: Artistic License": None,
    "OSI Approved :: Zope Public License": None,
    "OSI Approved :: Apple Public Source License": None,
    "OSI Approved :: Attribution Assurance License": "AAL",
    "OSI Approved :: Eiffel Forum License": None,
    "OSI Approved :: IBM Public License": "IPL-1.0",
    "OSI Approved :: Intel Open Source License": "Intel",
    "OSI Approved :: Jabber Open Source License": None,
    "OSI Approved :: Open Group Test Suite License": "OGTSL",
    "OSI Approved :: PostgreSQL License": "PostgreSQL",
    "OSI Approved :: Qt Public License (QPL)": "QPL-1.0",
    "OSI Approved :: SIL Open Font License 1.1 (OFL-1.1)": "OFL-1.1",
    "OSI Approved :: Sun Industry Standards Source License (SISSL)": "SISSL",
    "OSI Approved :: W3C License": "W3C",
    "OSI Approved :: Zero-Clause BSD (0BSD)": "0BSD",
    "CC0 1.0 Universal (CC0 1.0) Public Domain Dedication": "CC0-1.0",
    "GNU Free Documentation License (FDL)": None,
    "Public Domain": None,
    "Other/Proprietary License": None,
    "Freeware": None,
    "Free For Educational Use": None,
    "Free For Home Use": None,
    "Free for non-commercial use": None,
    "Free To Use But Restricted": None,
    "Shareware": None,
    "Aladdin Free Public License (AFPL)": "Aladdin",
    "Nokia Open Source License (NOKOS)": "Nokia",
    "Netscape Public License (NPL)": None,
    "Repoze Public License": None,
    "DFSG approved": None,
    "Eiffel Forum License (EFL)": None,
    "OSI Approved": None,
}

# Hugging Face licence ids (lower-case, SPDX-ish) that are not SPDX ids as written.
HUGGING_FACE: dict[str, str | None] = {
    "openrail": "LicenseRef-copyfair-openrail",
    "openrail++": "LicenseRef-copyfair-openrail-plus-plus",
    "creativeml-openrail-m": "LicenseRef-copyfair-creativeml-openrail-m",
    "bigscience-openrail-m": "LicenseRef-scancode-bigscience-open-rail-m",
    "bigscience-bloom-rail-1.0": "LicenseRef-scancode-bigscience-rail-1.0",
    "bigcode-openrail-m": "LicenseRef-scancode-bigcode-open-rail-m-v1",
    "llama2": "LicenseRef-scancode-llama-2-license-2023",
    "llama3.1": "LicenseRef-scancode-llama-3.1-license-2024",
    "llama3": "LicenseRef-copyfair-llama-3",
    "llama3.2": "LicenseRef-copyfair-llama-3.2",
    "llama3.3": "LicenseRef-copyfair-llama-3.3",
    "llama4": "LicenseRef-copyfair-llama-4",
    "gemma": "LicenseRef-copyfair-gemma",
    "odbl": "ODbL-1.0",
    "odc-by": "ODC-By-1.0",
    "pddl": "PDDL-1.0",
    "cc": None,
    "gpl": None,
    "lgpl": None,
    "gfdl": None,
    "bsd": None,
    "lgpl-lr": "LGPLLR",
    "deepfloyd-if-license": "LicenseRef-copyfair-deepfloyd-if",
    "apple-ascl": "LicenseRef-copyfair-apple-ascl",
    "intel-research": "LicenseRef-copyfair-intel-research",
    "h-research": "LicenseRef-copyfair-h-research",
    "other": None,
    "unknown": None,
}

# Kaggle dataset-metadata.json licence names that are not SPDX ids as written.
KAGGLE: dict[str, str | None] = {
    "cc0-1.0": "CC0-1.0",
    "cc-by-sa-3.0": "CC-BY-SA-3.0",
    "cc-by-sa-4.0": "CC-BY-SA-4.0",
    "cc-by-nc-sa-4.0": "CC-BY-NC-SA-4.0",
    "cc-by-4.0": "CC-BY-4.0",
    "cc-by-nc-4.0": "CC-BY-NC-4.0",
    "gpl-2.0": "GPL-2.0-only",
    "gpl-3.0": "GPL-3.0-only",
    "lgpl-3.0": "LGPL-3.0-only",
    "agpl-3.0": "AGPL-3.0-only",
    "odbl-1.0": "ODbL-1.0",
    "dbcl-1.0": "LicenseRef-copyfair-kaggle-dbcl-1.0",
    "pddl": "PDDL-1.0",
    "copyright-authors": None,
    "reddit-api": None,
    "world-bank": None,
    "other": None,
    "unknown": None,
}

_SQUEEZE = re.compile(r"[\s\-_,.:;/()]+")
_VERSION_DOT = re.compile(r"(?<=\d)\s(?=\d)")


def _key(text: str) -> str:
    return _SQUEEZE.sub(" ", text.lower()).strip()


def _known(expression: str, score: float) -> Interpretation | None:
    """``expression`` normalised, if it parses and every id in it is known."""
    try:
        parsed = parse_expression(expression)
    except ExpressionError:
        return None
    if parsed.unknown_ids:
        return None
    return Interpretation(parsed.expression, score)


@lru_cache(maxsize=4096)
def interpret(declared: str) -> Interpretation:
    """The SPDX expression a declared licence string stands for (see the module doc)."""
    text = declared.strip()
    if not text:
        return Interpretation(None, reason="the declared licence is empty")
    if "\n" in text or len(text) > 200:
        return Interpretation(None, reason="the declared licence is free text, not an expression")
    exact = _known(text, 1.0)
    if exact is not None:
        return exact
    key = _key(text)
    if key in _ALIASES:
        alias = _ALIASES[key]
        if alias is None:
            return Interpretation(None, reason=f"{text!r} does not name one licence")
        return Interpretation(alias, 0.9)
    # Some names with spelt-out operators: "MIT or Apache 2.0", "MIT/Apache-2.0".
    for separator, operator in (
        (r"\s*/\s*", " OR "),
        (r"\s+or\s+", " OR "),
        (r"\s+and\s+", " AND "),
    ):
        parts = re.split(separator, text, flags=re.I)
        if len(parts) > 1:
            mapped = [interpret(part) for part in parts]
            if all(m.expression for m in mapped):
                joined = operator.join(f"({m.expression})" for m in mapped if m.expression)
                result = _known(joined, min(m.score for m in mapped) * 0.95)
                if result is not None:
                    return result
    return Interpretation(None, reason=f"declared licence {text!r} is not a known SPDX expression")


def _interpret_from(table: dict[str, str | None], value: str, what: str) -> Interpretation:
    key = value.strip().lower()
    if key in table:
        mapped = table[key]
        if mapped is None:
            return Interpretation(
                None, reason=f"{what} licence {value!r} does not name one licence"
            )
        known = _known(mapped, 0.95)
        return known if known is not None else Interpretation(mapped, 0.9)
    return interpret(value)


def interpret_hugging_face(value: str) -> Interpretation:
    """A Hugging Face card's ``license:`` id (``cc-by-nc-4.0``, ``openrail``, ``other``)."""
    return _interpret_from(HUGGING_FACE, value, "Hugging Face")


def interpret_kaggle(value: str) -> Interpretation:
    """A Kaggle ``dataset-metadata.json`` licence name."""
    return _interpret_from(KAGGLE, value, "Kaggle")


def interpret_classifier(classifier: str) -> Interpretation | None:
    """A trove classifier ``License :: ...``; None for classifiers that are not about a
    licence."""
    if not classifier.startswith("License ::"):
        return None
    rest = classifier.removeprefix("License ::").strip()
    if rest in CLASSIFIERS:
        mapped = CLASSIFIERS[rest]
        if mapped is None:
            return Interpretation(
                None, reason=f"classifier {classifier!r} does not name one licence"
            )
        return Interpretation(mapped, 0.9)
    return Interpretation(None, reason=f"classifier {classifier!r} is not known to copyfair")


def combine(expressions: list[str], operator: str = "AND") -> str:
    """Join expressions with ``operator``, normalised, each once."""
    unique = list(dict.fromkeys(expressions))
    if len(unique) == 1:
        return unique[0]
    joined = f" {operator} ".join(f"({e})" for e in unique)
    return parse_expression(joined).expression


@cache
def licence_category(expression: str) -> Category:
    """The category that matters most for ``expression``: the first in display order
    (copyfair, then non-commercial, ...) among its licences; ``unknown`` for NOASSERTION or
    ids the catalog does not know."""
    if expression == NOASSERTION:
        return Category.UNKNOWN
    catalog = load_catalog()
    categories: list[Category] = []
    try:
        ids = licence_ids(expression)
    except ExpressionError:
        return Category.UNKNOWN
    for licence_id in ids:
        licence = catalog.get(licence_id)
        categories.append(licence.category if licence is not None else Category.UNKNOWN)
    return min(categories, key=category_rank, default=Category.UNKNOWN)
