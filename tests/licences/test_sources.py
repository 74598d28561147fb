"""The vendored data is complete and each file stands for the id its name says."""

from __future__ import annotations

import re
from collections import Counter

from licences.sources import (
    RULE_IDS,
    SPDX_TEXT_DIR,
    SourceKind,
    extra_text,
    template_sources,
)


def test_every_spdx_licence_and_exception_is_a_template_source() -> None:
    sources = template_sources()
    spdx = [s for s in sources if s.kind is SourceKind.SPDX_XML]
    # shared/data's README says 734 licences: it counts the exceptions/ folder too
    assert sum(not s.is_exception for s in spdx) == 733
    assert sum(s.is_exception for s in spdx) == 86


def test_xml_file_name_is_its_licence_id() -> None:
    pattern = re.compile(r'licenseId="([^"]+)"')
    for source in template_sources():
        if source.kind is SourceKind.SPDX_XML:
            m = pattern.search(source.path.read_text(encoding="utf-8"))
            assert m and m.group(1) == source.licence_id, source.path.name


def test_extra_ids_are_scancode_refs_or_our_own() -> None:
    plain = [s for s in template_sources() if s.kind is SourceKind.PLAIN]
    assert len(plain) == 39
    for s in plain:
        if s.path.name in RULE_IDS:
            assert s.licence_id == RULE_IDS[s.path.name]
        else:
            assert s.licence_id.startswith("LicenseRef-scancode-"), s.licence_id
        assert extra_text(s.path).strip(), f"{s.path.name} has no text"
        assert not extra_text(s.path).startswith("---")
    ids = Counter(s.licence_id for s in plain)
    assert ids["LicenseRef-scancode-polyform-defensive-1.0.0"] == 1  # has no spdx_license_key


def test_plain_spdx_texts_are_shipped() -> None:
    assert len(list(SPDX_TEXT_DIR.glob("*.txt"))) == 819  # 733 licences + 86 exceptions
