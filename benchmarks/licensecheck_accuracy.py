"""Score copyfair's per-file detector on Google's licensecheck test data.

Usage::

    python benchmarks/licensecheck_accuracy.py [TESTDATA_DIR] [--show-right] [--json]

TESTDATA_DIR defaults to ``../shared/data/licensecheck-testdata/testdata`` relative to
the repository. Each case file (``Kind.tN``) starts with a header ended by a blank line
(format in the data's ``README``): ``#`` comments, the expected coverage percentage,
then one line per expected match, ``Name [Percent] Start,End [URL]``; an optional
``scan`` stanza follows. The *primary* licence of a case is its first expected match.

A case is right when the primary licence (mapped to catalog ids, see
:data:`NAME_MAP`) is among the ids :func:`scanners.detect.detect_text` finds in the
body. Cases are left out of the accuracy, and listed, when

- licensecheck expects no licence at all (its own strictness: e.g. an MIT text with an
  extra restriction, or a notice it does not count): copyfair is not marked wrong for
  naming the licence in "Licensed under the MIT License";
- the primary licence has no id in copyfair's catalog (listed with the name).

Exit status: 0 when it ran, 2 when the test data is missing.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DIR = REPO.parent / "shared" / "data" / "licensecheck-testdata" / "testdata"

if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

from licences.sources import template_sources  # noqa: E402
from scanners.detect import detect_text  # noqa: E402

# licensecheck's names -> the catalog ids that count as right. Names not listed map to
# themselves (most are SPDX ids). SPDX deprecated ids also accept their replacements:
# a full GPL-2.0 text is the same text for GPL-2.0-only and GPL-2.0-or-later.
NAME_MAP: dict[str, tuple[str, ...]] = {
    "GPL-1.0": ("GPL-1.0", "GPL-1.0-only", "GPL-1.0-or-later"),
    "GPL-2.0": ("GPL-2.0", "GPL-2.0-only", "GPL-2.0-or-later"),
    "GPL-3.0": ("GPL-3.0", "GPL-3.0-only", "GPL-3.0-or-later"),
    "LGPL-2.0": ("LGPL-2.0", "LGPL-2.0-only", "LGPL-2.0-or-later"),
    "LGPL-2.1": ("LGPL-2.1", "LGPL-2.1-only", "LGPL-2.1-or-later"),
    "LGPL-3.0": ("LGPL-3.0", "LGPL-3.0-only", "LGPL-3.0-or-later"),
    "AGPL-1.0": ("AGPL-1.0", "AGPL-1.0-only", "AGPL-1.0-or-later"),
    "AGPL-3.0": ("AGPL-3.0", "AGPL-3.0-only", "AGPL-3.0-or-later"),
    "GFDL-1.1": ("GFDL-1.1", "GFDL-1.1-only", "GFDL-1.1-or-later"),
    "GFDL-1.2": ("GFDL-1.2", "GFDL-1.2-only", "GFDL-1.2-or-later"),
    "GFDL-1.3": ("GFDL-1.3", "GFDL-1.3-only", "GFDL-1.3-or-later"),
    "GPL-2.0-or-3.0": ("GPL-2.0-only", "GPL-3.0-only", "GPL-2.0-or-later"),
    "bzip2-1.0.5": ("bzip2-1.0.5", "bzip2-1.0.6"),
    # SPDX deprecated BSD-2-Clause-FreeBSD for BSD-2-Clause-Views: the same text
    "BSD-2-Clause-Views": ("BSD-2-Clause-Views", "BSD-2-Clause-FreeBSD"),
    "BSD-2-Clause-FreeBSD": ("BSD-2-Clause-Views", "BSD-2-Clause-FreeBSD"),
    "Net-SNMP": ("Net-SNMP", "MIT-CMU"),
    # licensecheck has one OFL per version; SPDX adds -RFN / -no-RFN variants of the same
    # text, told apart by the copyright line (a Reserved Font Name or none)
    "OFL-1.0": ("OFL-1.0", "OFL-1.0-RFN", "OFL-1.0-no-RFN"),
    "OFL-1.1": ("OFL-1.1", "OFL-1.1-RFN", "OFL-1.1-no-RFN"),
    "CommonsClause": ("LicenseRef-scancode-commons-clause",),
    "Prosperity-3.0.0": ("LicenseRef-scancode-prosperity-3.0",),
    "CC-BY-NC-SA-3.0-US": ("LicenseRef-scancode-cc-by-nc-sa-3.0-us",),
}


@dataclass(frozen=True, slots=True)
class Case:
    name: str  # file name, e.g. "MIT.t3"
    expected: tuple[str, ...]  # licensecheck names of the expected matches, in order
    body: str


def parse_case(path: Path) -> Case:
    """Split a test file into its expected matches and its body."""
    raw = path.read_text(encoding="utf-8", errors="replace")
    header, _, body = raw.partition("\n\n")
    expected: list[str] = []
    for line in header.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line in ("scan", "cover+scan"):
            break  # the scan stanza repeats or narrows the cover one
        if line.endswith("%") and " " not in line:
            continue  # the coverage percentage
        expected.append(line.split()[0])
    return Case(path.name, tuple(expected), body)


def load_cases(directory: Path) -> list[Case]:
    return [
        parse_case(p)
        for p in sorted(directory.iterdir())
        if p.is_file() and p.name != "README" and not p.name.startswith(".")
    ]


def accepted_ids(name: str) -> tuple[str, ...]:
    return NAME_MAP.get(name, (name,))


@dataclass
class Outcome:
    right: list[str]
    # (expected, found as "id (method)") -> cases
    wrong: dict[tuple[str, tuple[str, ...]], list[str]]
    no_licence: list[tuple[str, tuple[str, ...]]]  # (case, found)
    not_in_catalog: list[tuple[str, str]]  # (case, expected name)
    seconds: float


def score(cases: list[Case]) -> Outcome:
    catalog = {s.licence_id.lower() for s in template_sources()}
    out = Outcome([], defaultdict(list), [], [], 0.0)
    t0 = time.perf_counter()
    for case in cases:
        evidence = detect_text(case.body)
        methods: dict[str, set[str]] = {}
        for ev in evidence:
            methods.setdefault(ev.licence, set()).add(str(ev.method))
        found = tuple(methods)
        if not case.expected:
            out.no_licence.append((case.name, found))
            continue
        primary = case.expected[0]
        ok_ids = accepted_ids(primary)
        if not any(x.lower() in catalog for x in ok_ids):
            out.not_in_catalog.append((case.name, primary))
            continue
        found_lower = {f.lower() for f in found}
        if any(x.lower() in found_lower for x in ok_ids):
            out.right.append(case.name)
        else:
            shown = tuple(f"{lid} ({'+'.join(sorted(m))})" for lid, m in methods.items())
            out.wrong[(primary, shown)].append(case.name)
    out.seconds = time.perf_counter() - t0
    return out


def report(out: Outcome, total: int, show_right: bool) -> str:
    n_wrong = sum(len(v) for v in out.wrong.values())
    scored = len(out.right) + n_wrong
    acc = 100.0 * len(out.right) / scored if scored else 0.0
    with_excluded = 100.0 * len(out.right) / (scored + len(out.not_in_catalog)) if scored else 0.0
    quiet_no_licence = sum(1 for _, found in out.no_licence if not found)
    lines = [
        f"licensecheck test data: {total} cases in {out.seconds:.2f} s",
        f"  scored (primary licence in the catalog): {scored}",
        f"  right: {len(out.right)}",
        f"  wrong: {n_wrong}",
        f"  accuracy on the primary licence: {acc:.1f} %",
        f"  (counting the {len(out.not_in_catalog)} cases without a catalog id as wrong: "
        f"{with_excluded:.1f} %)",
        f"  excluded, licensecheck expects no licence: {len(out.no_licence)} "
        f"(copyfair also finds none in {quiet_no_licence})",
        f"  excluded, primary licence has no catalog id: {len(out.not_in_catalog)}",
    ]
    if out.wrong:
        lines.append("")
        lines.append("wrong cases, grouped (expected -> found (by which method)):")
        groups = sorted(out.wrong.items(), key=lambda kv: (-len(kv[1]), kv[0][0]))
        for (expected, found), names in groups:
            shown = ", ".join(found) if found else "nothing"
            lines.append(f"  {expected} -> {shown}: {len(names)}  [{' '.join(names)}]")
    if out.not_in_catalog:
        lines.append("")
        lines.append("no catalog id (excluded):")
        by_name: dict[str, list[str]] = defaultdict(list)
        for case, name in out.not_in_catalog:
            by_name[name].append(case)
        for name, names in sorted(by_name.items()):
            lines.append(f"  {name}: {' '.join(names)}")
    if out.no_licence:
        lines.append("")
        lines.append("licensecheck expects no licence (excluded); copyfair finds:")
        for case, found in out.no_licence:
            lines.append(f"  {case}: {', '.join(found) if found else 'nothing'}")
    if show_right:
        lines.append("")
        lines.append("right: " + " ".join(out.right))
    lines.append("")
    lines.append("name mapping used (licensecheck -> catalog ids):")
    for name, ids in NAME_MAP.items():
        lines.append(f"  {name} -> {' | '.join(ids)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("testdata", nargs="?", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--show-right", action="store_true", help="list the right cases too")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    directory: Path = args.testdata
    if not directory.is_dir():
        print(
            f"licensecheck test data not found at {directory}\n"
            "It is part of the shared data (../shared/data/licensecheck-testdata/testdata "
            "next to the repository); pass its path as an argument.",
            file=sys.stderr,
        )
        return 2
    cases = load_cases(directory)
    out = score(cases)
    if args.json:
        n_wrong = sum(len(v) for v in out.wrong.values())
        scored = len(out.right) + n_wrong
        figures = {
            "cases": len(cases),
            "scored": scored,
            "right": len(out.right),
            "wrong": n_wrong,
            "accuracy_percent": round(100.0 * len(out.right) / scored, 2) if scored else 0.0,
            "excluded_no_licence": len(out.no_licence),
            "excluded_not_in_catalog": len(out.not_in_catalog),
            "seconds": round(out.seconds, 3),
            "wrong_cases": Counter(
                {f"{e} -> {','.join(f) or 'nothing'}": len(v) for (e, f), v in out.wrong.items()}
            ),
        }
        print(json.dumps(figures, indent=2))
    else:
        print(report(out, len(cases), args.show_right))
    return 0


if __name__ == "__main__":
    sys.exit(main())
