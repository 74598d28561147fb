from __future__ import annotations

import pytest

from scanners.model import Method
from scanners.tags import UNKNOWN_LICENCE, find_spdx_tags, parse_expression, tag_evidence


@pytest.mark.parametrize(
    "line",
    [
        "# SPDX-License-Identifier: MIT",
        "// SPDX-License-Identifier: MIT",
        "/* SPDX-License-Identifier: MIT */",
        " * SPDX-License-Identifier: MIT",
        "<!-- SPDX-License-Identifier: MIT -->",
        "-- SPDX-License-Identifier: MIT",
        ";; SPDX-License-Identifier: MIT",
        "% SPDX-License-Identifier: MIT",
        ".. SPDX-License-Identifier: MIT",
        "REM SPDX-License-Identifier: MIT",
        "dnl SPDX-License-Identifier: MIT",
        '" SPDX-License-Identifier: MIT',
        "{- SPDX-License-Identifier: MIT -}",
        "(* SPDX-License-Identifier: MIT *)",
        "SPDX-License-Identifier: MIT",
        "    #   SPDX-License-Identifier:   MIT   ",
        "# SPDX-License-Identifier: MIT\r",
    ],
)
def test_a_tag_is_found_in_any_comment_style(line: str) -> None:
    found = find_spdx_tags(f"first line\n{line}\nlast line\n")
    assert [(e.licence, e.start_line, e.end_line, e.method) for e in found] == [
        ("MIT", 2, 2, Method.SPDX_TAG)
    ]


@pytest.mark.parametrize(
    "line",
    [
        'TAG = "SPDX-License-Identifier: MIT"',
        '    "SPDX-License-Identifier: MIT",',
        "re.compile(r'SPDX-License-Identifier:\\s*(.*)')",
        "if 'SPDX-License-Identifier: MIT' in text:",
        "# SPDX-FileCopyrightText: 2024 Jane Doe",
        "# SPDX-License-Identifier:",
    ],
)
def test_string_literals_and_other_spdx_fields_are_not_tags(line: str) -> None:
    assert find_spdx_tags(line + "\n") == []


def test_one_evidence_per_id_each_with_the_normalised_expression() -> None:
    found = find_spdx_tags("# SPDX-License-Identifier: mit OR apache-2.0\n")
    assert [e.licence for e in found] == ["MIT", "Apache-2.0"]
    assert {e.expression for e in found} == {"MIT OR Apache-2.0"}
    assert all(e.score == 1.0 for e in found)


def test_deprecated_ids_are_normalised() -> None:
    (ev,) = find_spdx_tags("// SPDX-License-Identifier: GPL-2.0+\n")
    assert ev.licence == "GPL-2.0-or-later"
    assert ev.expression == "GPL-2.0-or-later"


def test_with_exceptions_and_parentheses() -> None:
    found = find_spdx_tags(
        "# SPDX-License-Identifier: (GPL-2.0-only WITH Classpath-exception-2.0) OR MIT\n"
    )
    assert [e.licence for e in found] == ["GPL-2.0-only", "Classpath-exception-2.0", "MIT"]


def test_licenseref_ids_are_kept_as_written() -> None:
    found = find_spdx_tags("# SPDX-License-Identifier: LicenseRef-acme-1.0 AND PPL\n")
    assert [e.licence for e in found] == ["LicenseRef-acme-1.0", "PPL"]


def test_an_unknown_id_is_reported_as_unknown_naming_the_token() -> None:
    (ev,) = find_spdx_tags("# SPDX-License-Identifier: Acme-Private\n")
    assert ev.licence == UNKNOWN_LICENCE
    assert ev.detail is not None and "Acme-Private" in ev.detail
    assert ev.expression == "Acme-Private"


def test_an_invalid_expression_is_reported_not_dropped() -> None:
    (ev,) = find_spdx_tags("# SPDX-License-Identifier: MIT OR OR Apache-2.0\n")
    assert ev.licence == UNKNOWN_LICENCE
    assert ev.detail is not None and "invalid licence expression" in ev.detail
    assert "'OR'" in ev.detail and "position 7" in ev.detail


def test_a_known_id_next_to_an_unknown_one_is_still_reported() -> None:
    found = find_spdx_tags("# SPDX-License-Identifier: MIT AND Acme-Private\n")
    assert sorted(e.licence for e in found) == sorted(["MIT", UNKNOWN_LICENCE])


def test_several_tags_with_their_line_numbers() -> None:
    text = "a\n# SPDX-License-Identifier: MIT\nb\nc\n// SPDX-License-Identifier: 0BSD\n"
    assert [(e.licence, e.start_line) for e in find_spdx_tags(text)] == [("MIT", 2), ("0BSD", 5)]


def test_crlf_line_endings() -> None:
    text = "a\r\n# SPDX-License-Identifier: ISC\r\nb\r\n"
    assert [(e.licence, e.start_line) for e in find_spdx_tags(text)] == [("ISC", 2)]


def test_parse_expression_never_raises() -> None:
    parsed = parse_expression("MIT AND (")
    assert parsed.problems and "(" in parsed.problems[0]
    assert parsed.normalised is None and parsed.licence_ids == ()
    assert parsed.problems


def test_tag_evidence_carries_method_and_source() -> None:
    (ev,) = tag_evidence("MIT", 3, method=Method.REUSE, source_path="REUSE.toml")
    assert (ev.method, ev.licence, ev.start_line, ev.source_path) == (
        Method.REUSE,
        "MIT",
        3,
        "REUSE.toml",
    )
