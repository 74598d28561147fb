from __future__ import annotations

from pathlib import Path

from scanners.model import Evidence, Method
from scanners.reuse import (
    ReuseConfig,
    load_reuse,
    parse_dep5,
    parse_reuse_toml,
    sidecars_of,
)
from scanners.tags import UNKNOWN_LICENCE
from tests.scanners.pipeline_fixtures import write

TOML = """\
version = 1

[[annotations]]
path = ["docs/**", "*.png"]
SPDX-FileCopyrightText = "2024 Jane"
SPDX-License-Identifier = "CC-BY-SA-4.0"

[[annotations]]
path = "docs/special/*.md"
precedence = "aggregate"
SPDX-License-Identifier = "PPL"

[[annotations]]
path = "vendor/**"
precedence = "override"
SPDX-License-Identifier = ["MIT", "0BSD"]
"""

TAG = Evidence(Method.SPDX_TAG, "Apache-2.0", 1, 1, 1.0, expression="Apache-2.0")
TEXT = Evidence(Method.LICENCE_TEXT, "GPL-3.0-only", 3, 600, 0.98)


def _config(text: str = TOML, source: str = "REUSE.toml") -> ReuseConfig:
    af, problems = parse_reuse_toml(text, source)
    assert problems == [] and af is not None
    return ReuseConfig((af,))


def _ids(evidence: tuple[Evidence, ...], method: Method = Method.REUSE) -> list[str]:
    return [e.licence for e in evidence if e.method is method]


def test_globs_star_stays_in_a_directory_double_star_crosses() -> None:
    cfg = _config()
    assert _ids(cfg.apply("logo.png", ())) == ["CC-BY-SA-4.0"]
    assert _ids(cfg.apply("img/logo.png", ())) == []
    assert _ids(cfg.apply("docs/a/b/c.txt", ())) == ["CC-BY-SA-4.0"]
    assert _ids(cfg.apply("src/main.py", ())) == []


def test_the_last_matching_annotation_of_a_file_wins() -> None:
    assert _ids(_config().apply("docs/special/x.md", ())) == ["PPL"]


def test_evidence_names_the_reuse_toml_and_its_line() -> None:
    (ev,) = _config(source="sub/REUSE.toml").apply("sub/logo.png", ())
    assert ev.source_path == "sub/REUSE.toml"
    assert ev.start_line == 6  # the SPDX-License-Identifier line of the first table
    assert ev.expression == "CC-BY-SA-4.0"
    assert ev.detail is not None and "closest" in ev.detail


def test_closest_applies_only_without_own_licence_information() -> None:
    cfg = _config()
    assert cfg.apply("docs/a.txt", (TAG,)) == (TAG,)
    # a licence text is not REUSE information: the annotation still applies
    assert _ids(cfg.apply("docs/a.txt", (TEXT,))) == ["CC-BY-SA-4.0"]


def test_aggregate_adds_to_own_information() -> None:
    out = _config().apply("docs/special/x.md", (TAG,))
    assert _ids(out, Method.SPDX_TAG) == ["Apache-2.0"]
    assert _ids(out) == ["PPL"]


def test_override_replaces_own_tags_but_keeps_texts() -> None:
    out = _config().apply("vendor/lib.c", (TAG, TEXT))
    assert _ids(out, Method.SPDX_TAG) == []
    assert _ids(out, Method.LICENCE_TEXT) == ["GPL-3.0-only"]
    assert _ids(out) == ["MIT", "0BSD"]


def test_nested_files_the_closest_wins_but_an_outer_override_beats_it() -> None:
    outer, _ = parse_reuse_toml(
        'version = 1\n[[annotations]]\npath = "**"\nSPDX-License-Identifier = "MIT"\n',
        "REUSE.toml",
    )
    inner, _ = parse_reuse_toml(
        'version = 1\n[[annotations]]\npath = "**"\nSPDX-License-Identifier = "PPL"\n',
        "lib/REUSE.toml",
    )
    assert outer is not None and inner is not None
    cfg = ReuseConfig((outer, inner))
    assert _ids(cfg.apply("lib/a.c", ())) == ["PPL"]
    assert _ids(cfg.apply("a.c", ())) == ["MIT"]
    forced, _ = parse_reuse_toml(
        'version = 1\n[[annotations]]\npath = "**"\nprecedence = "override"\n'
        'SPDX-License-Identifier = "0BSD"\n',
        "REUSE.toml",
    )
    assert forced is not None
    assert _ids(ReuseConfig((forced, inner)).apply("lib/a.c", ())) == ["0BSD"]


def test_backslash_escapes_a_star() -> None:
    cfg = _config(
        'version = 1\n[[annotations]]\npath = "a\\\\*b"\nSPDX-License-Identifier = "MIT"\n'
    )
    assert _ids(cfg.apply("a*b", ())) == ["MIT"]
    assert _ids(cfg.apply("axxb", ())) == []


def test_invalid_toml_is_a_skip_naming_the_file() -> None:
    af, problems = parse_reuse_toml("version = 1\n[[annotations]\n", "REUSE.toml")
    assert af is None
    assert [p.path for p in problems] == ["REUSE.toml"]
    assert "invalid REUSE.toml" in problems[0].reason


def test_every_bad_annotation_is_reported_and_good_ones_kept() -> None:
    text = """version = 1
[[annotations]]
SPDX-License-Identifier = "MIT"
[[annotations]]
path = "a"
precedence = "sometimes"
SPDX-License-Identifier = "MIT"
[[annotations]]
path = "b"
SPDX-License-Identifier = 3
[[annotations]]
path = "c"
SPDX-License-Identifier = "Not A Licence"
"""
    af, problems = parse_reuse_toml(text, "REUSE.toml")
    assert af is not None
    assert [p.reason.split(":")[0] for p in problems] == [
        "REUSE.toml annotation #1",
        "REUSE.toml annotation #2",
        "REUSE.toml annotation #3",
    ]
    assert "sometimes" in problems[1].reason
    (ev,) = ReuseConfig((af,)).apply("c", ())
    assert ev.licence == UNKNOWN_LICENCE


def test_unsupported_version_is_reported() -> None:
    af, problems = parse_reuse_toml("version = 2\n", "REUSE.toml")
    assert af is None and "version" in problems[0].reason


DEP5 = """\
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: demo

Files: *
Copyright: 2020 Jane
License: MIT

Files: assets/*.png
 data/??.csv
Copyright: 2021 Joe
License: CC-BY-NC-SA-4.0
 The full text may follow on continuation lines.

License: MIT
 Permission is hereby granted...
"""


def test_dep5_last_matching_paragraph_wins_and_star_crosses_directories() -> None:
    af, problems = parse_dep5(DEP5)
    assert problems == [] and af is not None
    cfg = ReuseConfig(dep5=af)
    assert _ids(cfg.apply("src/deep/a.py", ())) == ["MIT"]
    assert _ids(cfg.apply("assets/x/y.png", ())) == ["CC-BY-NC-SA-4.0"]
    assert _ids(cfg.apply("data/ab.csv", ())) == ["CC-BY-NC-SA-4.0"]
    assert _ids(cfg.apply("data/abc.csv", ())) == ["MIT"]
    (ev,) = cfg.apply("assets/y.png", ())
    assert (ev.source_path, ev.start_line) == (".reuse/dep5", 11)


def test_dep5_is_aggregated_with_own_tags() -> None:
    af, _ = parse_dep5(DEP5)
    assert af is not None
    out = ReuseConfig(dep5=af).apply("a.py", (TAG,))
    assert [e.licence for e in out] == ["Apache-2.0", "MIT"]


def test_malformed_dep5_is_a_skip_naming_the_line() -> None:
    af, problems = parse_dep5("Format: x\n\nFiles *\nLicense: MIT\n")
    assert af is None
    assert [p.path for p in problems] == [".reuse/dep5"]
    assert "line 3" in problems[0].reason
    af, problems = parse_dep5("Files: *\nLicense: MIT\n")
    assert af is None and "Format" in problems[0].reason


def test_sidecar_evidence_moves_to_the_licensed_file() -> None:
    side = (Evidence(Method.SPDX_TAG, "CC0-1.0", 2, 2, 1.0, expression="CC0-1.0"),)
    (ev,) = ReuseConfig(sidecars=frozenset({"logo.png.license"})).apply("logo.png", (), side)
    assert (ev.method, ev.licence, ev.start_line, ev.source_path) == (
        Method.REUSE,
        "CC0-1.0",
        2,
        "logo.png.license",
    )


def test_a_sidecar_counts_as_own_information_for_closest() -> None:
    side = (Evidence(Method.SPDX_TAG, "CC0-1.0", 2, 2, 1.0),)
    cfg = ReuseConfig(_config().toml_files, sidecars=frozenset({"logo.png.license"}))
    assert _ids(cfg.apply("logo.png", (), side)) == ["CC0-1.0"]


def test_sidecars_of_needs_the_licensed_file() -> None:
    paths = ["a.png", "a.png.license", "orphan.license", "LICENSE"]
    assert sidecars_of(paths) == frozenset({"a.png.license"})


def test_load_reuse_reads_the_files_among_paths(tmp_path: Path) -> None:
    write(tmp_path, "REUSE.toml", TOML)
    write(tmp_path, "lib/REUSE.toml", "not [valid")
    write(tmp_path, ".reuse/dep5", DEP5)
    cfg, problems = load_reuse(tmp_path, ["REUSE.toml", "lib/REUSE.toml", ".reuse/dep5", "x.py"])
    assert [af.source_path for af in cfg.toml_files] == ["REUSE.toml"]
    assert cfg.dep5 is not None
    assert [p.path for p in problems] == ["lib/REUSE.toml"]
    assert not cfg.empty
