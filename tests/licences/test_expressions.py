"""SPDX expressions: normalisation, deprecated ids, and errors that say what to fix."""

from __future__ import annotations

import pytest

from licences.errors import ExpressionError, LicenceError
from licences.expressions import licence_ids, normalise, parse_expression


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("mit", "MIT"),
        ("MIT AND Apache-2.0", "MIT AND Apache-2.0"),
        ("mit or apache-2.0", "MIT OR Apache-2.0"),
        ("GPL-2.0+", "GPL-2.0-or-later"),
        ("GPL-2.0", "GPL-2.0-only"),
        ("gpl-3.0", "GPL-3.0-only"),
        ("LGPL-2.1+ AND MIT", "LGPL-2.1-or-later AND MIT"),
        ("GPL-2.0-only+", "GPL-2.0-or-later"),
        (
            "gpl-2.0-or-later with classpath-exception-2.0",
            "GPL-2.0-or-later WITH Classpath-exception-2.0",
        ),
        ("GPL-2.0-with-classpath-exception", "GPL-2.0-only WITH Classpath-exception-2.0"),
        ("wxWindows OR MIT", "GPL-2.0-or-later WITH WxWindows-exception-3.1 OR MIT"),
        ("(MIT OR Apache-2.0) AND BSD-3-Clause", "(MIT OR Apache-2.0) AND BSD-3-Clause"),
        ("MIT OR (Apache-2.0 AND BSD-3-Clause)", "MIT OR (Apache-2.0 AND BSD-3-Clause)"),
        ("((MIT))", "MIT"),
        ("MIT AND (ISC AND Zlib)", "MIT AND ISC AND Zlib"),
        ("LicenseRef-my-licence OR ppl", "LicenseRef-my-licence OR PPL"),
        ("licenseref-scancode-hippocratic-3.0", "LicenseRef-scancode-Hippocratic-3.0"),
        (
            "DocumentRef-spdx-tool-1.2:LicenseRef-MIT-Style-2",
            "DocumentRef-spdx-tool-1.2:LicenseRef-MIT-Style-2",
        ),
        ("Apache-2.0 WITH LLVM-exception", "Apache-2.0 WITH LLVM-exception"),
        ("  MIT   and   ISC ", "MIT AND ISC"),
    ],
)
def test_normalise(given: str, expected: str) -> None:
    assert normalise(given) == expected
    assert normalise(expected) == expected  # idempotent


def test_licence_ids_in_order_each_once() -> None:
    assert licence_ids("GPL-2.0+ WITH Classpath-exception-2.0 OR mit OR MIT") == [
        "GPL-2.0-or-later",
        "Classpath-exception-2.0",
        "MIT",
    ]


def test_unknown_plain_id_is_reported_leniently_and_rejected_strictly() -> None:
    parsed = parse_expression("MIT OR Apach-2.0")
    assert parsed.expression == "MIT OR Apach-2.0"
    assert parsed.unknown_ids == ("Apach-2.0",)
    with pytest.raises(ExpressionError) as info:
        parse_expression("MIT OR Apach-2.0", strict=True)
    assert info.value.token == "Apach-2.0"
    assert info.value.position == 7
    assert "did you mean 'Apache-2.0'" in str(info.value)


def test_unknown_licence_ref_is_fine_even_strictly() -> None:
    assert parse_expression("LicenseRef-foo", strict=True).unknown_ids == ()


def test_deprecated_replacements_are_recorded() -> None:
    assert parse_expression("GPL-2.0 AND MIT").replaced == (("GPL-2.0", "GPL-2.0-only"),)


@pytest.mark.parametrize(
    ("given", "token", "position", "words"),
    [
        ("", None, None, "empty"),
        ("MIT AND", "AND", 4, "needs a licence after it"),
        ("AND MIT", "AND", 0, "needs a licence before it"),
        ("MIT ANDD Apache-2.0", "ANDD", 4, "did you mean 'AND'"),
        ("MIT Apache-2.0", "Apache-2.0", 4, "join licences with AND, OR or WITH"),
        ("(MIT OR Apache-2.0", "(", 0, "never closed"),
        ("MIT OR Apache-2.0)", ")", 17, "no matching '('"),
        ("MIT/Apache-2.0", "MIT/Apache-2.0", 3, "use AND or OR"),
        ("MIT WITH Apache-2.0", "Apache-2.0", 9, "is a licence, not an exception"),
        ("Classpath-exception-2.0", "Classpath-exception-2.0", 0, "is an exception, not a licence"),
        ("MIT OR ()", ")", 8, "licence id is missing"),
        ("MIT WITH (Classpath-exception-2.0)", "(", 9, "must be followed by an exception id"),
    ],
)
def test_invalid_expressions_name_the_token_and_position(
    given: str, token: str | None, position: int | None, words: str
) -> None:
    with pytest.raises(ExpressionError) as info:
        normalise(given)
    assert isinstance(info.value, LicenceError)
    assert info.value.token == token
    assert info.value.position == position
    assert words in str(info.value)
    if position is not None:
        assert f"at position {position}" in str(info.value)


def test_every_current_catalog_id_normalises_to_itself_from_any_case() -> None:
    from licences.catalog import Kind, load_catalog

    for licence in load_catalog():
        if licence.is_deprecated:
            continue
        if licence.kind is Kind.EXCEPTION and not licence.id.startswith("LicenseRef-"):
            assert normalise(f"mit with {licence.id.lower()}") == f"MIT WITH {licence.id}"
        else:
            assert normalise(licence.id.upper()) == licence.id


def test_every_deprecated_id_normalises_to_a_current_expression() -> None:
    from licences.catalog import Kind, load_catalog

    catalog = load_catalog()
    for licence in catalog:
        if licence.is_deprecated and licence.replaced_by:
            is_exception = licence.kind is Kind.EXCEPTION
            expression = f"MIT WITH {licence.id}" if is_exception else licence.id
            for licence_id in licence_ids(expression):
                current = catalog.get(licence_id)
                assert current is not None and not current.is_deprecated, licence.id
