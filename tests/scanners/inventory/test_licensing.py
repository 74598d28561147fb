from __future__ import annotations

import pytest

from licences.categories import Category
from scanners.inventory.licensing import (
    CLASSIFIERS,
    HUGGING_FACE,
    KAGGLE,
    combine,
    interpret,
    interpret_classifier,
    interpret_hugging_face,
    interpret_kaggle,
    licence_category,
)


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        ("MIT", "MIT"),
        ("mit", "MIT"),
        ("(MIT OR Apache-2.0)", "MIT OR Apache-2.0"),
        ("GPL-2.0+", "GPL-2.0-or-later"),
        ("Apache 2.0", "Apache-2.0"),
        ("Apache License, Version 2.0", "Apache-2.0"),
        ("The MIT License", "MIT"),
        ("MIT/Apache-2.0", "MIT OR Apache-2.0"),
        ("BSD 3-Clause License", "BSD-3-Clause"),
        ("GPLv3+", "GPL-3.0-or-later"),
        ("LicenseRef-acme-eula", "LicenseRef-acme-eula"),
    ],
)
def test_declared_licences_map_to_normalised_expressions(declared: str, expected: str) -> None:
    assert interpret(declared).expression == expected


@pytest.mark.parametrize("declared", ["BSD", "GPL", "Public Domain", "Foo-1.0", "", "UNKNOWN"])
def test_ambiguous_or_unknown_names_are_not_guessed(declared: str) -> None:
    meaning = interpret(declared)
    assert meaning.expression is None
    assert meaning.reason


def test_a_full_licence_text_is_not_an_expression() -> None:
    meaning = interpret("Permission is hereby granted, free of charge,\nto any person ...")
    assert meaning.expression is None
    assert "free text" in (meaning.reason or "")


@pytest.mark.parametrize(
    ("classifier", "expected"),
    [
        ("License :: OSI Approved :: MIT License", "MIT"),
        ("License :: OSI Approved :: GNU General Public License v2 or later (GPLv2+)",
         "GPL-2.0-or-later"),
        ("License :: OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)", "MPL-2.0"),
        ("License :: CC0 1.0 Universal (CC0 1.0) Public Domain Dedication", "CC0-1.0"),
    ],
)  # fmt: skip
def test_classifiers_map_to_spdx_ids(classifier: str, expected: str) -> None:
    meaning = interpret_classifier(classifier)
    assert meaning is not None and meaning.expression == expected


def test_ambiguous_and_foreign_classifiers() -> None:
    bsd = interpret_classifier("License :: OSI Approved :: BSD License")
    assert bsd is not None and bsd.expression is None and "one licence" in (bsd.reason or "")
    assert interpret_classifier("Programming Language :: Python :: 3") is None
    odd = interpret_classifier("License :: Something New")
    assert odd is not None and odd.expression is None


def test_every_mapped_id_is_a_valid_expression() -> None:
    for table in (CLASSIFIERS, HUGGING_FACE, KAGGLE):
        for target in table.values():
            if target is not None:
                assert interpret(target).expression is not None, target


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("cc-by-nc-4.0", "CC-BY-NC-4.0"),
        ("apache-2.0", "Apache-2.0"),
        ("odbl", "ODbL-1.0"),
        ("openrail", "LicenseRef-copyfair-openrail"),
        ("bigscience-openrail-m", "LicenseRef-scancode-bigscience-open-rail-m"),
        ("llama2", "LicenseRef-scancode-llama-2-license-2023"),
        ("agpl-3.0", "AGPL-3.0-only"),
    ],
)
def test_hugging_face_ids(value: str, expected: str) -> None:
    assert interpret_hugging_face(value).expression == expected


def test_hugging_face_other_needs_a_name() -> None:
    assert interpret_hugging_face("other").expression is None


def test_kaggle_names() -> None:
    assert interpret_kaggle("CC0-1.0").expression == "CC0-1.0"
    assert interpret_kaggle("GPL-2.0").expression == "GPL-2.0-only"
    assert interpret_kaggle("copyright-authors").expression is None


def test_combine_deduplicates_and_normalises() -> None:
    assert combine(["MIT", "MIT"]) == "MIT"
    assert combine(["MIT", "Apache-2.0"], "OR") == "MIT OR Apache-2.0"
    assert combine(["MIT OR Apache-2.0", "BSD-3-Clause"]) == "(MIT OR Apache-2.0) AND BSD-3-Clause"


def test_category_is_the_most_restrictive_one() -> None:
    assert licence_category("MIT") is Category.PERMISSIVE
    assert licence_category("MIT AND CC-BY-NC-4.0") is Category.NONCOMMERCIAL
    assert licence_category("NOASSERTION") is Category.UNKNOWN
    assert licence_category("LicenseRef-not-in-catalog") is Category.UNKNOWN
