"""``--format json`` renders with orjson: the same text as the standard library's
``json.dumps(indent=2, ensure_ascii=False)``, byte for byte, except that orjson writes a
float below 1e-4 positionally (0.00001 for 1e-05): the same value, and no score, ratio
or duration copyfair writes is that small and non-zero."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from scanners.project import scan_project
from scanners.scan import ScanOptions
from service.formats.json import JsonFormat, dumps, report_dict
from tests.scanners.pipeline_fixtures import write

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: f == 0 or abs(f) >= 1e-4)
    | st.text()
)
_DOCUMENTS = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(_DOCUMENTS)
def test_dumps_is_the_standard_librarys_indented_json(document: object) -> None:
    assert dumps(document) == json.dumps(document, indent=2, ensure_ascii=False)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_every_float_keeps_its_value(value: float) -> None:
    assert json.loads(dumps({"score": value})) == {"score": value}


def test_a_real_report_renders_as_the_standard_library_would(tmp_path: Path) -> None:
    write(tmp_path, "LICENSE", "Licensed under the Apache License, Version 2.0.\n")
    write(tmp_path, "src/ünïcode.py", "# SPDX-License-Identifier: MIT OR GPL-2.0-or-later\n")
    write(tmp_path, "data.bin", b"\0\1")
    report = scan_project(tmp_path, ScanOptions(jobs=1))
    rendered = JsonFormat().render(report)
    assert rendered == json.dumps(report_dict(report), indent=2, ensure_ascii=False) + "\n"
    assert json.loads(rendered)["files"][1]["path"] == "src/ünïcode.py"
