"""Licence notices and references: scanners.notices.find_notices."""

from __future__ import annotations

import json
import tomllib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from licences.sources import EXTRA_DIR, SPDX_TEXT_DIR, extra_text, template_sources
from scanners.model import Evidence, Method
from scanners.notices import find_notices
from scanners.notices.build_table import build
from scanners.notices.dedications import PUBLIC_DOMAIN
from scanners.notices.references import UNKNOWN_REFERENCE
from scanners.notices.table import CATALOG_FILE, NOTICES_FILE, canon
from scanners.notices.text import (
    CONTEXT_LINES,
    Block,
    _make_block,
    keyword_offsets,
    notice_blocks,
)

SC = "LicenseRef-scancode-"
POLYFORM = "https://polyformproject.org/licenses"
TROVE = "License :: OSI Approved ::"


def ids(text: str) -> list[str]:
    return [ev.licence for ev in find_notices(text)]


def only(text: str) -> Evidence:
    found = find_notices(text)
    assert len(found) == 1, found
    return found[0]


# --------------------------------------------------------------------------- the brief's examples


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('Licensed under the Apache License, Version 2.0 (the "License");', "Apache-2.0"),
        (
            "This work is licensed under a Creative Commons Attribution-NonCommercial-"
            "ShareAlike 4.0 International License.",
            "CC-BY-NC-SA-4.0",
        ),
        ("This book is released under the Peer Production License.", "PPL"),
        ("Licensed under the MIT license.", "MIT"),
        (
            "This Source Code Form is subject to the terms of the Mozilla Public License, v. 2.0.",
            "MPL-2.0",
        ),
        ("Licensed under the PolyForm Noncommercial License 1.0.0", "PolyForm-Noncommercial-1.0.0"),
        ("Licensed under the Prosperity Public License 3.0.0", f"{SC}prosperity-3.0"),
        ("Licensed under the Parity Public License 7.0.0", "Parity-7.0.0"),
        ("Licensed under the Parity Public License 6.0.0", "Parity-6.0.0"),
        ("This software is licensed under the Business Source License 1.1", "BUSL-1.1"),
        ("Functional Source License, Version 1.1, MIT Future License", "FSL-1.1-MIT"),
        ("Functional Source License, Version 1.1, Apache 2.0 Future License", "FSL-1.1-ALv2"),
        ("Licensed under the Elastic License 2.0.", "Elastic-2.0"),
        ("Licensed under the Server Side Public License, v 1", "SSPL-1.0"),
        ("This software is distributed under the Server Side Public License.", "SSPL-1.0"),
        ('"Commons Clause" License Condition v1.0', "LicenseRef-scancode-commons-clause"),
        (
            "Released under the CNPL v7.",
            "LicenseRef-scancode-cooperative-non-violent-7.0",
        ),
        (
            "Cooperative Non-Violent Public License v7",
            "LicenseRef-scancode-cooperative-non-violent-7.0",
        ),
        ("License :: OSI Approved :: MIT License", "MIT"),
        ("License: MIT", "MIT"),
        ('license = "Apache-2.0"', "Apache-2.0"),
        ('  "license": "ISC",', "ISC"),
        ("Apache License 1.1", "Apache-1.1"),
        ("Licensed under the Apache License, Version 1.1", "Apache-1.1"),
    ],
)
def test_named_notices(text: str, expected: str) -> None:
    ev = only(text)
    assert ev.licence == expected
    assert ev.method is Method.NOTICE
    assert ev.start_line == ev.end_line == 1
    assert ev.score >= 0.6
    assert ev.detail


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://creativecommons.org/licenses/by-nc-sa/4.0/", "CC-BY-NC-SA-4.0"),
        ("http://creativecommons.org/licenses/by/3.0/", "CC-BY-3.0"),
        ("https://creativecommons.org/licenses/by-sa/3.0/at/", "CC-BY-SA-3.0-AT"),
        ("https://creativecommons.org/publicdomain/zero/1.0/", "CC0-1.0"),
        ("https://spdx.org/licenses/MIT.html", "MIT"),
        ("https://spdx.org/licenses/PPL.html", "PPL"),
        ("https://opensource.org/licenses/BSD-3-Clause", "BSD-3-Clause"),
        ("https://www.gnu.org/licenses/gpl-3.0.html", "GPL-3.0-only"),
        ("https://www.gnu.org/licenses/old-licenses/lgpl-2.1.html", "LGPL-2.1-only"),
        ("http://www.apache.org/licenses/LICENSE-2.0", "Apache-2.0"),
        (f"{POLYFORM}/noncommercial/1.0.0", "PolyForm-Noncommercial-1.0.0"),
        (f"{POLYFORM}/shield/1.0.0/", f"{SC}polyform-shield-1.0.0"),
        ("https://licensezero.com/licenses/prosperity/3.0.0", f"{SC}prosperity-3.0"),
        ("https://mozilla.org/MPL/2.0/", "MPL-2.0"),
    ],
)
def test_licence_urls(url: str, expected: str) -> None:
    assert ids(f"See {url} for the licence terms.") == [expected]


# --------------------------------------------------------------------------- GNU family

GPL2_LATER = """\
This program is free software; you can redistribute it and/or modify
it under the terms of the GNU General Public License as published by
the Free Software Foundation; either version 2 of the License, or
(at your option) any later version.

This program is distributed in the hope that it will be useful,
but WITHOUT ANY WARRANTY; without even the implied warranty of
MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
GNU General Public License for more details.
"""

GPL2_ONLY = """\
This program is free software; you can redistribute it and/or modify
it under the terms of the GNU General Public License as published by
the Free Software Foundation; version 2 of the License.
"""


def test_gpl_or_later_vs_only() -> None:
    ev = only(GPL2_LATER)
    assert ev.licence == "GPL-2.0-or-later"
    assert (ev.start_line, ev.end_line) == (2, 9)  # the whole notice, one Evidence
    assert ids(GPL2_ONLY) == ["GPL-2.0-only"]


@pytest.mark.parametrize(
    ("family", "version", "later", "expected"),
    [
        ("GNU Lesser General Public", "2.1", True, "LGPL-2.1-or-later"),
        ("GNU Lesser General Public", "2.1", False, "LGPL-2.1-only"),
        ("GNU Lesser General Public", "3", True, "LGPL-3.0-or-later"),
        ("GNU Lesser General Public", "3", False, "LGPL-3.0-only"),
        ("GNU Library General Public", "2", True, "LGPL-2.0-or-later"),
        ("GNU Affero General Public", "3", True, "AGPL-3.0-or-later"),
        ("GNU Affero General Public", "3", False, "AGPL-3.0-only"),
        ("GNU General Public", "3", True, "GPL-3.0-or-later"),
        ("GNU General Public", "3", False, "GPL-3.0-only"),
        ("GNU General Public", "1", True, "GPL-1.0-or-later"),
    ],
)
def test_gnu_headers(family: str, version: str, later: bool, expected: str) -> None:
    tail = ", or\n(at your option) any later version." if later else "."
    text = (
        "This library is free software; you can redistribute it and/or\n"
        f"modify it under the terms of the {family}\n"
        "License as published by the Free Software Foundation; either\n"
        f"version {version} of the License{tail}\n"
    )
    assert ids(text) == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("License: GPL-2+", "GPL-2.0-or-later"),
        ("Licensed under GPLv3+", "GPL-3.0-or-later"),
        ("licensed under the GPL-2.0-only", "GPL-2.0-only"),
        ("Licensed under the LGPL-2.1-or-later", "LGPL-2.1-or-later"),
        ("released under the AGPLv3 or later", "AGPL-3.0-or-later"),
        ("licensed under GPL version 3 or later", "GPL-3.0-or-later"),
        ("licensed under the GNU GPL v. 2", "GPL-2.0-only"),
        ("licensed under the terms of the GNU GPL, version 2 or later", "GPL-2.0-or-later"),
        ("distributed under the GNU Lesser General Public License v3.0", "LGPL-3.0-only"),
        ("Licensed under the GPL.", "GPL-1.0-or-later"),
        ("License: GFDL-1.3-no-invariants-or-later", "GFDL-1.3-no-invariants-or-later"),
        ("License: GFDL-1.3-or-later", "GFDL-1.3-or-later"),
        (f"{TROVE} GNU General Public License v2 or later (GPLv2+)", "GPL-2.0-or-later"),
        (f"{TROVE} GNU Lesser General Public License v3 (LGPLv3)", "LGPL-3.0-only"),
    ],
)
def test_gnu_short_forms(text: str, expected: str) -> None:
    assert ids(text) == [expected]


def test_gnu_lesser_vs_library_without_version() -> None:
    assert ids("distributed under the GNU Lesser General Public License") == ["LGPL-2.1-or-later"]
    assert ids("distributed under the GNU Library General Public License") == ["LGPL-2.0-or-later"]
    ev = only("distributed under the GNU General Public License")
    assert ev.licence == "GPL-1.0-or-later"
    assert ev.detail is not None and "no version" in ev.detail
    assert ev.score < 0.9


def test_bare_gnu_mention_outside_a_notice_is_not_reported() -> None:
    assert ids("See the GNU General Public License for more details.") == []


def test_gfdl_invariants() -> None:
    text = (
        "Permission is granted to copy, distribute and/or modify this document\n"
        "under the terms of the GNU Free Documentation License, Version 1.3\n"
        "or any later version published by the Free Software Foundation;\n"
        "with no Invariant Sections, no Front-Cover Texts, and no Back-Cover Texts.\n"
    )
    assert ids(text) == ["GFDL-1.3-no-invariants-or-later"]


# --------------------------------------------------------------------------- Creative Commons


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Attribution 4.0 International", "CC-BY-4.0"),
        ("Attribution-ShareAlike 4.0 International", "CC-BY-SA-4.0"),
        ("Attribution-NonCommercial 4.0 International", "CC-BY-NC-4.0"),
        ("Attribution-NonCommercial-ShareAlike 4.0 International", "CC-BY-NC-SA-4.0"),
        ("Attribution-NonCommercial-NoDerivatives 4.0 International", "CC-BY-NC-ND-4.0"),
        ("Attribution-NoDerivatives 4.0 International", "CC-BY-ND-4.0"),
        ("Attribution-NonCommercial-ShareAlike 3.0 Unported", "CC-BY-NC-SA-3.0"),
        ("Attribution-ShareAlike 3.0 Unported", "CC-BY-SA-3.0"),
        ("Attribution-NonCommercial-NoDerivs 3.0 IGO", "CC-BY-NC-ND-3.0-IGO"),
        ("Attribution-ShareAlike 3.0 Austria", "CC-BY-SA-3.0-AT"),
        ("Attribution-NonCommercial 2.5", "CC-BY-NC-2.5"),
        ("Attribution-ShareAlike 2.0", "CC-BY-SA-2.0"),
        ("Attribution Non-Commercial Share Alike 2.5", "CC-BY-NC-SA-2.5"),
    ],
)
def test_creative_commons_variants_are_not_confused(name: str, expected: str) -> None:
    text = f"This work is licensed under the Creative Commons {name} License."
    assert ids(text) == [expected]


@pytest.mark.parametrize(
    ("short", "expected"),
    [
        ("CC BY 4.0", "CC-BY-4.0"),
        ("CC BY-SA 4.0", "CC-BY-SA-4.0"),
        ("CC BY-NC 3.0", "CC-BY-NC-3.0"),
        ("CC BY-NC-SA 4.0", "CC-BY-NC-SA-4.0"),
        ("CC-BY-NC-ND-4.0", "CC-BY-NC-ND-4.0"),
        ("CC0", "CC0-1.0"),
    ],
)
def test_creative_commons_short_forms(short: str, expected: str) -> None:
    assert ids(f"Text and images: {short}") == [expected]


def test_cc_without_version_names_no_licence() -> None:
    assert ids("licensed under a Creative Commons Attribution-ShareAlike license") == []


def test_ppl_text_does_not_report_the_cc_licence_it_is_derived_from() -> None:
    text = (SPDX_TEXT_DIR / "PPL.txt").read_text(encoding="utf-8")
    assert set(ids(text)) == {"PPL"}


@pytest.mark.parametrize(
    "licence",
    [
        "CC-BY-NC-SA-3.0",
        "CC-BY-SA-3.0",
        "CC-BY-NC-SA-4.0",
        "CC-BY-NC-4.0",
        "CC-BY-NC-ND-4.0",
        "PolyForm-Noncommercial-1.0.0",
        "PolyForm-Small-Business-1.0.0",
        "Parity-6.0.0",
        "BUSL-1.1",
        "Elastic-2.0",
        "SSPL-1.0",
    ],
)
def test_copyfair_and_source_available_texts_name_only_themselves(licence: str) -> None:
    text = (SPDX_TEXT_DIR / f"{licence}.txt").read_text(encoding="utf-8")
    # what the text itself mentions by name (BUSL's "Change License ... GPL Version 2.0 or
    # any later version"); scanners.detect drops such notices inside the full-text match
    mentioned = {"BUSL-1.1": {"GPL-2.0-or-later"}}.get(licence, set())
    assert set(ids(text)) == {licence} | mentioned


def test_copyfarleft_title_is_not_the_cooperative_software_license() -> None:
    text = extra_text(EXTRA_DIR / "cooperative-software-license.RULE")
    assert set(ids(text)) == {"LicenseRef-copyfair-cooperative-software-license"}


# --------------------------------------------------------------------------- references


def test_bsd_style_reference_names_no_licence() -> None:
    ev = only(
        "// Use of this source code is governed by a BSD-style license that can be\n"
        "// found in the LICENSE file.\n"
    )
    assert ev.licence == UNKNOWN_REFERENCE
    assert ev.score <= 0.5
    assert ev.detail is not None and "reference" in ev.detail and "LICENSE" in ev.detail.upper()


def test_style_reference_that_names_a_licence() -> None:
    ev = only("Use of this source code is governed by an MIT-style license found in LICENSE.")
    assert ev.licence == "MIT"
    assert 0.3 < ev.score < 0.9
    assert ev.detail is not None and "reference" in ev.detail


def test_file_reference_is_dropped_when_the_notice_names_the_licence() -> None:
    text = "Licensed under the MIT License; see the LICENSE file for details."
    assert ids(text) == ["MIT"]


# --------------------------------------------------------------------------- several notices


def test_dual_licence_in_one_sentence() -> None:
    text = "Licensed under either of the Apache License, Version 2.0 or the MIT license."
    assert sorted(ids(text)) == ["Apache-2.0", "MIT"]


def test_several_notices_each_reported_with_its_lines() -> None:
    text = "\n".join(
        [
            "# Code: licensed under the MIT License.",
            *(["x = 1"] * 20),
            "# Documentation: licensed under the Creative Commons Attribution-ShareAlike",
            "# 4.0 International License.",
        ]
    )
    found = find_notices(text)
    assert [(ev.licence, ev.start_line, ev.end_line) for ev in found] == [
        ("MIT", 1, 1),
        ("CC-BY-SA-4.0", 22, 23),
    ]


def test_same_licence_twice_in_one_notice_is_one_evidence() -> None:
    text = (
        "Licensed under the Apache License, Version 2.0 (the License); you may obtain a copy\n"
        "of the License at http://www.apache.org/licenses/LICENSE-2.0\n"
    )
    ev = only(text)
    assert ev.licence == "Apache-2.0"
    assert (ev.start_line, ev.end_line) == (1, 2)


def test_a_list_of_licences_is_not_a_notice() -> None:
    names = ["MIT", "ISC", "Zlib", "0BSD", "BSD-2-Clause", "BSD-3-Clause", "Apache-2.0"]
    names += ["MPL-2.0", "CC0-1.0", "Unlicense"]
    text = "LICENSES = [\n" + "\n".join(f'    "License: {n}",' for n in names) + "\n]\n"
    found = find_notices(text)
    assert len(found) == len(names)
    assert all(ev.score <= 0.3 for ev in found)


# --------------------------------------------------------------------------- formatting


@pytest.mark.parametrize("prefix", ["# ", "// ", " * ", ";; ", "-- ", "% ", "> ", ""])
def test_comment_prefixes(prefix: str) -> None:
    lines = [
        "This work is licensed under a Creative Commons",
        "Attribution-NonCommercial-ShareAlike 4.0 International",
        "License.",
    ]
    text = "/*\n" + "\n".join(prefix + line for line in lines) + "\n */\n"
    ev = only(text)
    assert ev.licence == "CC-BY-NC-SA-4.0"
    assert (ev.start_line, ev.end_line) == (2, 3)


def test_crlf_and_markdown() -> None:
    text = "# Licence\r\n\r\nThis project is released under the **[Peer Production\r\n"
    text += "License](LICENSE)**.\r\n"
    ev = only(text)
    assert ev.licence == "PPL"
    assert (ev.start_line, ev.end_line) == (3, 4)


def test_notice_in_a_source_file_header() -> None:
    code = "\n".join(f"def f{i}(x):\n    return x * {i}\n" for i in range(300))
    text = '"""Tool.\n\nCopyright 2024 A. Commoner\nSPDX-FileCopyrightText: 2024\n'
    text += 'Licensed under the Parity Public License 7.0.0\n"""\n' + code
    ev = only(text)
    assert ev.licence == "Parity-7.0.0"
    assert ev.start_line == 5


# --------------------------------------------------------------------------- no notice


@pytest.mark.parametrize(
    "text",
    [
        "",
        "def licence_count(x):\n    return len(x)\n",
        "The licensee must keep the licence file.",
        "Install the license server, then restart.",
        "See the License for the specific language governing permissions.",
        "Creative Commons is not a party to this License.",
        "gplot = plot(x)  # uses the public domain",
        "This is licensed under a GPL-compatible licence.",
    ],
)
def test_no_notice(text: str) -> None:
    assert ids(text) == []


# --------------------------------------------------------------------------- data


def test_shipped_catalog_table_is_current() -> None:
    shipped = json.loads(CATALOG_FILE.read_text(encoding="utf-8"))
    assert shipped == json.loads(json.dumps(build()))


def test_every_id_in_notices_toml_is_in_the_catalog() -> None:
    catalog = {s.licence_id for s in template_sources()}
    with NOTICES_FILE.open("rb") as fh:
        data = tomllib.load(fh)
    used = {lid for section in data.values() for lid in section.values()}
    assert used
    assert used <= catalog, sorted(used - catalog)


def test_canonical_names() -> None:
    assert canon("The Apache License, Version 2.0") == "apache license 2"
    assert canon("Mozilla Public License, v. 2.0") == "mozilla public license 2"
    assert canon("PolyForm Noncommercial License 1.0.0") == "polyform noncommercial license 1"
    assert canon("Licence") == "license"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("## License\n\nMIT\n", [("MIT", 3)]),
        ("## Licence\n\n[Apache 2.0](LICENSE) © A. Commoner\n", [("Apache-2.0", 3)]),
        ('[project]\nlicense = {text = "MIT"}\n', [("MIT", 2)]),
        ("## License\n\nCopyright 2020 the Peers, all rights reserved.\n", []),
        (
            "Licensed under either of\n\n"
            " * Apache License, Version 2.0, ([LICENSE-APACHE](LICENSE-APACHE) or\n"
            "   http://www.apache.org/licenses/LICENSE-2.0)\n"
            " * MIT license ([LICENSE-MIT](LICENSE-MIT) or http://opensource.org/licenses/MIT)\n",
            [("Apache-2.0", 3), ("MIT", 5)],
        ),
    ],
)
def test_readme_and_metadata_forms(text: str, expected: list[tuple[str, int]]) -> None:
    assert [(ev.licence, ev.start_line) for ev in find_notices(text)] == expected


# --------------------------------------------------------------------------- hostile input


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "Licensed under the ",
                "GNU General Public License ",
                "version 2 ",
                "or any later version",
                "Creative Commons Attribution-NonCommercial ",
                "4.0 ",
                "MIT",
                " license",
                "\n",
                "\r\n",
                "// ",
                "https://spdx.org/licenses/",
                "see the LICENSE file",
                "-style license",
                "\u00e9\u0130\u00df",
                "*",
                "",
            ]
        ),
        max_size=30,
    )
)
def test_any_text_gives_well_formed_evidence(parts: list[str]) -> None:
    text = "".join(parts)
    n_lines = text.count("\n") + 1
    for ev in find_notices(text):
        assert ev.method is Method.NOTICE
        assert 1 <= ev.start_line <= ev.end_line <= n_lines
        assert 0.0 < ev.score <= 1.0
        assert ev.licence and " " not in ev.licence


def test_long_lines_and_blobs() -> None:
    blob = "A" * 200_000 + "/" + "b" * 50_000
    text = f"{blob}\nlicense {blob}\n{'x' * 100_000} licensed under the MIT License\n"
    assert [(ev.licence, ev.start_line) for ev in find_notices(text)] == [("MIT", 3)]


def test_spdx_tags_are_left_to_the_tag_finder() -> None:
    text = "// SPDX-License-Identifier: GPL-2.0-only OR MIT\n// Licensed under the MIT License.\n"
    assert [(ev.licence, ev.start_line) for ev in find_notices(text)] == [("MIT", 2)]


@pytest.mark.parametrize(
    "text",
    [
        "This software is released into the public domain.",
        "# The author has placed this work in the public domain.",
        "This file is hereby placed into the public domain by its author.",
        "Classifier: License :: Public Domain",
    ],
)
def test_public_domain_dedications(text: str) -> None:
    ev = only(text)
    assert ev.licence == PUBLIC_DOMAIN
    assert ev.score < 0.9


@pytest.mark.parametrize(
    "text",
    [
        "where the Work or any of its elements is in the public domain under applicable law",
        "Dedicated to the public domain under CC0 1.0 Universal.",
    ],
)
def test_public_domain_in_passing_or_named_licence(text: str) -> None:
    assert PUBLIC_DOMAIN not in ids(text)


def test_unlicense_text_is_not_a_bare_dedication() -> None:
    text = (SPDX_TEXT_DIR / "Unlicense.txt").read_text(encoding="utf-8")
    assert set(ids(text)) == {"Unlicense"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("License: Attribution-NonCommercial-ShareAlike 4.0 International", ["CC-BY-NC-SA-4.0"]),
        (
            "Licensed under the Cooperative Non-Violent Public License v7+",
            ["LicenseRef-scancode-cooperative-non-violent-7.0"],
        ),
        ("This code is licensed under the Elastic License (ELv2)", ["Elastic-2.0"]),
        ("Licence: see the badge (PolyForm-Noncommercial-1.0.0)", ["PolyForm-Noncommercial-1.0.0"]),
        ("The licence file: SSPL-1.0", ["SSPL-1.0"]),
        ("see libfoo-2.0 and the licence of bsd-3-clause-foo", []),
    ],
)
def test_more_name_forms(text: str, expected: list[str]) -> None:
    assert ids(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Business Source License 1.1. Change License: Apache License, Version 2.0",
        "This licence is compatible with the GPL-3.0 and Apache-2.0.",
        "Derived from the Creative Commons Attribution-ShareAlike 4.0 International License.",
    ],
)
def test_licences_named_in_another_role_are_not_notices(text: str) -> None:
    found = ids(text)
    assert "Apache-2.0" not in found
    assert "GPL-3.0-only" not in found
    assert "CC-BY-SA-4.0" not in found


def test_metadata_expression_is_kept_in_order() -> None:
    found = find_notices('[package]\nlicense = "MIT OR Apache-2.0"\n')
    assert [(ev.licence, ev.expression, ev.start_line) for ev in found] == [
        ("MIT", "MIT OR Apache-2.0", 2),
        ("Apache-2.0", "MIT OR Apache-2.0", 2),
    ]


def test_metadata_expression_normalised_and_exception_not_a_licence() -> None:
    ev = only('license = "GPL-2.0+ WITH Classpath-exception-2.0"')
    assert ev.licence == "GPL-2.0-or-later"
    assert ev.expression == "GPL-2.0-or-later WITH Classpath-exception-2.0"


def test_dual_licensed_without_under() -> None:
    assert ids("This crate is dual-licensed (Apache-2.0 OR MIT).") == ["Apache-2.0", "MIT"]


def test_cr_only_line_ends() -> None:
    text = "x\r" * 50 + "Licensed under the MIT License.\r" + "y\r" * 50
    assert [(ev.licence, ev.start_line) for ev in find_notices(text)] == [("MIT", 51)]


@pytest.mark.parametrize(
    ("badge", "expected"),
    [
        (
            "[![License: CC BY-NC-SA 4.0](https://img.shields.io/badge/License-CC%20BY--NC--SA"
            "%204.0-lightgrey.svg)](https://creativecommons.org/licenses/by-nc-sa/4.0/)",
            "CC-BY-NC-SA-4.0",
        ),
        (
            "[![License](https://img.shields.io/badge/License-Apache_2.0-blue.svg)]"
            "(https://opensource.org/licenses/Apache-2.0)",
            "Apache-2.0",
        ),
        (
            "[![License: GPL v3](https://img.shields.io/badge/License-GPLv3-blue.svg)]"
            "(https://www.gnu.org/licenses/gpl-3.0)",
            "GPL-3.0-only",
        ),
    ],
)
def test_readme_badges(badge: str, expected: str) -> None:
    ev = only(f"# Project\n\n{badge}\n")
    assert ev.licence == expected
    assert ev.start_line == 3
    assert ev.detail is not None and len(ev.detail) <= 80


# --------------------------------------------------------------------------- blocks


def _plain_blocks(text: str, skip: list[tuple[int, int]]) -> list[Block]:
    """Blocks the plain way: every keyword occurrence's line, skipped lines dropped."""
    hits = keyword_offsets(text)
    if "\r" in text and "\n" not in text:
        text = text.replace("\r", "\n")
    lines = sorted({text.count("\n", 0, h) for h in hits})
    lines = [n for n in lines if not any(a <= n + 1 <= b for a, b in skip)]
    return _group(text, lines)


def _group(text: str, hit_lines: list[int]) -> list[Block]:
    """notice_blocks' grouping of keyword lines into blocks."""
    all_lines = text.split("\n")
    blocks: list[Block] = []
    start = end = -1
    for ln in hit_lines:
        lo, hi = max(0, ln - CONTEXT_LINES), min(len(all_lines) - 1, ln + CONTEXT_LINES)
        if start >= 0 and lo <= end + 1:
            end = max(end, hi)
            continue
        if start >= 0:
            blocks.append(_make_block(all_lines, start, end))
        start, end = lo, hi
    if start >= 0:
        blocks.append(_make_block(all_lines, start, end))
    return blocks


_BLOCK_WORDS = ["license ", "GPL ", "\n", "\r", "x ", "\u0130stanbul ", "public domain "]
_BLOCK_WORDS += ["cc by ", "licen\nse ", "Licence", "\r\n", "y " * 20]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(_BLOCK_WORDS), max_size=80),
    st.lists(st.tuples(st.integers(1, 30), st.integers(0, 8)), max_size=3),
)
def test_blocks_search_each_line_once_and_skip_as_told(
    words: list[str], ranges: list[tuple[int, int]]
) -> None:
    text = "".join(words)
    skip = [(a, a + n) for a, n in ranges]
    assert notice_blocks(text, skip) == _plain_blocks(text, skip)


def test_blocks_of_a_licence_text_outside_its_matched_lines() -> None:
    text = (
        "Project X\nLicensed under the MIT License.\n\n" + (SPDX_TEXT_DIR / "MIT.txt").read_text()
    )
    n = text.count("\n") + 1
    for skip in ([], [(4, n)], [(1, 1), (4, 6)], [(2, 2)]):
        assert notice_blocks(text, skip) == _plain_blocks(text, skip)
