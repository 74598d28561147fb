"""The REUSE conventions (REUSE specification 3.2), as evidence with method ``reuse``.

- ``foo.png.license`` sidecar files: their ``SPDX-License-Identifier`` tags license
  ``foo.png`` (the evidence names the sidecar as ``source_path``).
- ``REUSE.toml`` files anywhere in the tree: ``[[annotations]]`` tables with ``path``
  globs (relative to the file's directory; ``*`` stays within a directory, ``**``
  crosses them) and ``SPDX-License-Identifier``. Within one file the last matching
  annotation wins; between files the closest to the licensed file wins, except that
  an ``override`` annotation of an outer file wins over everything below it.
  ``precedence``: ``closest`` (the default) applies only when the file carries no
  licence information of its own (SPDX tags or a sidecar); ``aggregate`` adds to it;
  ``override`` replaces it (the file's own tags are dropped, licence texts and notices
  found in it are kept: they are evidence, not REUSE metadata).
- ``.reuse/dep5`` (Debian copyright format 1.0): ``Files:`` globs (``*`` crosses
  directories) and ``License:``; the last matching paragraph wins; aggregated.

Malformed files become :class:`Skipped` entries naming the file and the problem.
Parsing is pure (:func:`parse_reuse_toml`, :func:`parse_dep5` take text); only
:func:`load_reuse` reads files.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path, PurePosixPath

from scanners.model import Evidence, Method, Skipped
from scanners.tags import tag_evidence

SIDECAR_SUFFIX = ".license"
REUSE_TOML = "REUSE.toml"
DEP5 = ".reuse/dep5"


class Precedence(StrEnum):
    CLOSEST = "closest"
    AGGREGATE = "aggregate"
    OVERRIDE = "override"


@dataclass(frozen=True, slots=True)
class Annotation:
    patterns: tuple[re.Pattern[str], ...]
    expressions: tuple[str, ...]
    precedence: Precedence
    line: int  # of SPDX-License-Identifier in the source file (or of the table header)

    def matches(self, rel: str) -> bool:
        return any(p.fullmatch(rel) for p in self.patterns)


@dataclass(frozen=True, slots=True)
class AnnotationFile:
    """One ``REUSE.toml`` (or ``.reuse/dep5``) and the directory its globs are relative to."""

    source_path: str  # relative to the scan root
    directory: str  # "" for the root, else "a/b"
    annotations: tuple[Annotation, ...]

    def last_match(self, path: str) -> Annotation | None:
        if self.directory:
            if not path.startswith(self.directory + "/"):
                return None
            path = path[len(self.directory) + 1 :]
        for ann in reversed(self.annotations):
            if ann.matches(path):
                return ann
        return None


# Globs as regular expressions: the wildcards of each file format, longest first.
_TOML_WILDCARDS = {"**": ".*", "*": "[^/]*"}  # REUSE.toml: ``*`` within a directory
_DEP5_WILDCARDS = {"*": ".*", "?": "."}  # Debian copyright: ``*`` across directories too


def _glob(glob: str, wildcards: Mapping[str, str], flags: int = 0) -> re.Pattern[str]:
    """``glob`` as a pattern: ``\\`` escapes the next character, ``wildcards`` map to
    regular expressions, any other character stands for itself."""
    out: list[str] = []
    i = 0
    while i < len(glob):
        if glob[i] == "\\" and i + 1 < len(glob):
            out.append(re.escape(glob[i + 1]))
            i += 2
            continue
        for wildcard, regex in wildcards.items():
            if glob.startswith(wildcard, i):
                out.append(regex)
                i += len(wildcard)
                break
        else:
            out.append(re.escape(glob[i]))
            i += 1
    return re.compile("".join(out), flags)


def _strings(value: object) -> tuple[str, ...] | None:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


_TABLE = re.compile(r"^\s*\[\[\s*annotations\s*\]\]", re.MULTILINE)
_LICENCE_KEY = re.compile(r"^\s*[\"']?SPDX-License-Identifier[\"']?\s*=", re.MULTILINE)


def _annotation_lines(text: str) -> list[int]:
    """For each ``[[annotations]]`` table in order, the line of its licence key."""
    starts = [m.start() for m in _TABLE.finditer(text)]
    lines: list[int] = []
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(text)
        m = _LICENCE_KEY.search(text, start, end)
        lines.append(text.count("\n", 0, m.start() if m else start) + 1)
    return lines


def parse_reuse_toml(text: str, source_path: str) -> tuple[AnnotationFile | None, list[Skipped]]:
    """Parse one REUSE.toml. Every problem is returned, not only the first."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return None, [Skipped(source_path, f"invalid REUSE.toml: {exc}")]
    problems: list[Skipped] = []
    if data.get("version") != 1:
        problems.append(
            Skipped(source_path, f"REUSE.toml: unsupported version {data.get('version')!r}")
        )
        return None, problems
    tables = data.get("annotations", [])
    if not isinstance(tables, list):
        return None, [Skipped(source_path, "REUSE.toml: 'annotations' must be an array of tables")]
    lines = _annotation_lines(text)
    annotations: list[Annotation] = []
    for i, table in enumerate(tables):
        where = f"REUSE.toml annotation #{i + 1}"
        line = lines[i] if i < len(lines) else 1
        if not isinstance(table, dict):
            problems.append(Skipped(source_path, f"{where}: not a table"))
            continue
        paths = _strings(table.get("path"))
        if not paths:
            problems.append(Skipped(source_path, f"{where}: 'path' must be a string or strings"))
            continue
        raw_precedence = table.get("precedence", Precedence.CLOSEST.value)
        try:
            precedence = Precedence(raw_precedence)
        except ValueError:
            problems.append(Skipped(source_path, f"{where}: unknown precedence {raw_precedence!r}"))
            continue
        if "SPDX-License-Identifier" not in table:
            continue  # copyright-only annotations are fine and carry no licence
        expressions = _strings(table["SPDX-License-Identifier"])
        if expressions is None:
            problems.append(
                Skipped(
                    source_path, f"{where}: 'SPDX-License-Identifier' must be a string or strings"
                )
            )
            continue
        patterns = tuple(_glob(p, _TOML_WILDCARDS) for p in paths)
        annotations.append(Annotation(patterns, expressions, precedence, line))
    directory = str(PurePosixPath(source_path).parent)
    directory = "" if directory == "." else directory
    return AnnotationFile(source_path, directory, tuple(annotations)), problems


def parse_dep5(text: str, source_path: str = DEP5) -> tuple[AnnotationFile | None, list[Skipped]]:
    """Parse ``.reuse/dep5`` (paragraphs of ``Field: value`` lines, continuations indented)."""
    paragraphs: list[list[tuple[str, str, int]]] = []
    current: list[tuple[str, str, int]] = []
    problems: list[Skipped] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            if current:
                paragraphs.append(current)
                current = []
            continue
        if line.startswith("#"):
            continue
        if line[0] in " \t":
            if not current:
                problems.append(
                    Skipped(source_path, f"dep5 line {number}: continuation without a field")
                )
                return None, problems
            name, value, at = current[-1]
            current[-1] = (name, value + "\n" + line.strip(), at)
            continue
        name, sep, value = line.partition(":")
        if not sep or not name.strip() or " " in name.strip():
            problems.append(Skipped(source_path, f"dep5 line {number}: expected 'Field: value'"))
            return None, problems
        current.append((name.strip().lower(), value.strip(), number))
    if current:
        paragraphs.append(current)
    if not paragraphs or "format" not in {f[0] for f in paragraphs[0]}:
        problems.append(
            Skipped(source_path, "dep5: the first paragraph must have a 'Format' field")
        )
        return None, problems
    annotations: list[Annotation] = []
    for para in paragraphs[1:]:
        fields = {name: (value, at) for name, value, at in para}
        if "files" not in fields:
            continue  # a stand-alone License paragraph (full text), not an annotation
        if "license" not in fields:
            problems.append(
                Skipped(
                    source_path, f"dep5 line {fields['files'][1]}: Files paragraph without License"
                )
            )
            continue
        licence, at = fields["license"]
        expression = licence.split("\n", 1)[0].strip()
        if not expression:
            problems.append(Skipped(source_path, f"dep5 line {at}: empty License field"))
            continue
        patterns = tuple(_glob(g, _DEP5_WILDCARDS, re.DOTALL) for g in fields["files"][0].split())
        annotations.append(Annotation(patterns, (expression,), Precedence.AGGREGATE, at))
    return AnnotationFile(source_path, "", tuple(annotations)), problems


@dataclass(frozen=True)
class ReuseConfig:
    """Everything REUSE says about a tree, ready to apply to each file."""

    toml_files: tuple[AnnotationFile, ...] = ()  # outermost first
    dep5: AnnotationFile | None = None
    sidecars: frozenset[str] = frozenset()  # sidecar paths whose licensed file exists

    @property
    def empty(self) -> bool:
        return not self.toml_files and self.dep5 is None and not self.sidecars

    def _annotation(self, path: str) -> tuple[AnnotationFile, Annotation] | None:
        closest: tuple[AnnotationFile, Annotation] | None = None
        for af in self.toml_files:
            ann = af.last_match(path)
            if ann is None:
                continue
            if ann.precedence is Precedence.OVERRIDE:
                return af, ann
            closest = (af, ann)
        return closest

    def apply(
        self, path: str, own: tuple[Evidence, ...], sidecar: tuple[Evidence, ...] = ()
    ) -> tuple[Evidence, ...]:
        """The evidence of ``path`` once REUSE metadata is taken into account.

        ``own`` is what detection found in the file; ``sidecar`` what it found in
        ``path + '.license'`` (if any).
        """
        sidecar_ev = tuple(
            Evidence(
                Method.REUSE,
                e.licence,
                e.start_line,
                e.end_line,
                e.score,
                expression=e.expression,
                detail=e.detail or "REUSE .license sidecar file",
                source_path=path + SIDECAR_SUFFIX,
            )
            for e in sidecar
            if e.method in (Method.SPDX_TAG, Method.REUSE)
        )
        added: list[Evidence] = []
        has_own = bool(sidecar_ev) or any(e.method is Method.SPDX_TAG for e in own)
        found = self._annotation(path)
        if found is not None:
            af, ann = found
            if ann.precedence is Precedence.OVERRIDE:
                own = tuple(e for e in own if e.method is not Method.SPDX_TAG)
                sidecar_ev = ()
            if ann.precedence is not Precedence.CLOSEST or not has_own:
                added += _annotation_evidence(af, ann)
        if self.dep5 is not None:
            ann5 = self.dep5.last_match(path)
            if ann5 is not None:
                added += _annotation_evidence(self.dep5, ann5)
        if not added and not sidecar_ev:
            return own
        return own + sidecar_ev + tuple(added)


@lru_cache(maxsize=1024)
def _annotation_evidence(af: AnnotationFile, ann: Annotation) -> tuple[Evidence, ...]:
    """The evidence one annotation gives (the same objects for every file it covers)."""
    out: list[Evidence] = []
    for expression in ann.expressions:
        for e in tag_evidence(
            expression, ann.line, method=Method.REUSE, source_path=af.source_path
        ):
            detail = e.detail or f"{Path(af.source_path).name} (precedence {ann.precedence})"
            out.append(
                Evidence(
                    e.method,
                    e.licence,
                    e.start_line,
                    e.end_line,
                    e.score,
                    expression=e.expression,
                    detail=detail,
                    source_path=e.source_path,
                )
            )
    return tuple(out)


def sidecars_of(paths: Iterable[str]) -> frozenset[str]:
    """The ``.license`` files among ``paths`` whose licensed file is also among them."""
    present = set(paths)
    return frozenset(
        p for p in present if p.endswith(SIDECAR_SUFFIX) and p[: -len(SIDECAR_SUFFIX)] in present
    )


def _read(root: Path, rel: str) -> tuple[str | None, Skipped | None]:
    try:
        return (root / rel).read_text(encoding="utf-8"), None
    except OSError as exc:
        return None, Skipped(rel, f"cannot read REUSE metadata: {exc.strerror}")
    except UnicodeDecodeError as exc:
        return None, Skipped(rel, f"REUSE metadata is not UTF-8: {exc.reason}")


def load_reuse(root: Path, paths: Sequence[str]) -> tuple[ReuseConfig, list[Skipped]]:
    """Read the REUSE.toml files and ``.reuse/dep5`` among ``paths`` (relative to root)."""
    problems: list[Skipped] = []
    toml_files: list[AnnotationFile] = []
    dep5: AnnotationFile | None = None
    for rel in paths:
        name = rel.rsplit("/", 1)[-1]
        if name == REUSE_TOML:
            text, err = _read(root, rel)
            if err:
                problems.append(err)
                continue
            assert text is not None
            af, errs = parse_reuse_toml(text, rel)
            problems += errs
            if af is not None:
                toml_files.append(af)
        elif rel == DEP5:
            text, err = _read(root, rel)
            if err:
                problems.append(err)
                continue
            assert text is not None
            dep5, errs = parse_dep5(text, rel)
            problems += errs
    toml_files.sort(key=lambda af: (af.directory.count("/") + bool(af.directory), af.directory))
    return ReuseConfig(tuple(toml_files), dep5, sidecars_of(paths)), problems
