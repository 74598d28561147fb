"""``copyfair obligations PATH``: what each component's licence asks of this use, and why.

Thin: scan PATH (the same scan and cache as ``copyfair scan``), compute the obligations
(:func:`service.cli.scan_cmd.add_obligations`: the entity profile, usage signals, the
components' reciprocity schedules, the engine) and explain them: in plain words grouped
by component, owed and to-declare first, with the totals per currency
(:func:`service.formats.text.explain_obligations`), or as JSON (``usage``,
``obligations`` and the totals, the keys of ``copyfair scan --format json``). Exit codes:
0 reported (whatever is owed: use ``copyfair scan --fail-on obligations`` to fail CI),
2 usage or input error (an invalid profile lists every problem).
"""

from __future__ import annotations

import sys
from datetime import date
from typing import TYPE_CHECKING

import click

from service.cli.scan_cmd import EXIT_INPUT_ERROR, obligation_options, write_output

if TYPE_CHECKING:
    from licences.period import Period

JSON_SCHEMA_VERSION = "1"


@click.command()
@click.argument("path")
@obligation_options
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: every obligation explained in plain words; json: usage, obligations, totals.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the report to FILE.")
@click.option(
    "--all-files",
    is_flag=True,
    help="In a git work tree, also scan untracked files that are not ignored.",
)
@click.option("--no-cache", is_flag=True, help="Neither read nor write the scan cache.")
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="Cache directory [default: as for copyfair scan].",
)
def obligations(
    path: str,
    profile_file: str | None,
    period: Period | None,
    as_of: date | None,
    output_format: str,
    output: str | None,
    all_files: bool,
    no_cache: bool,
    cache_dir: str | None,
) -> None:
    """Explain what the licences of PATH's components ask of its use.

    Who uses them and how comes from the entity profile (copyfair.toml [organisation] and
    [use] at the root of PATH, or --profile FILE) and from signals in the tree and its git
    history. Each component's licence gives its obligations (attribution, share-alike,
    source offer, reciprocity payment, commercial licence, contribute back, prohibited,
    review), each owed, exempt, not triggered or needing a declaration, with the clause
    and the facts it rests on. A component that ships its foundation's schedule
    (copyfair.toml or COPYFAIR.toml with [commons]) gets an amount, pro-rated to --period.
    """
    import json

    from scanners.errors import TargetError
    from service.cli.scan_cmd import obligations_request, scan_path

    request = obligations_request(profile_file, period, as_of)
    try:
        report = scan_path(
            path,
            None,
            all_files,
            10_000_000,
            None,
            no_cache,
            cache_dir,
            checksums=False,
            obligations=request,
        )
    except TargetError as exc:
        click.echo(f"Error: cannot scan {exc}", err=True)
        sys.exit(EXIT_INPUT_ERROR)
    found = report.obligations
    assert found is not None  # add_obligations exits on an invalid profile
    if output_format == "json":
        document: dict[str, object] = {
            "schema_version": JSON_SCHEMA_VERSION,
            "target": report.scan.target,
            **found.to_dict(),
            "components": [
                {
                    "id": c.id,
                    "name": c.name,
                    "version": c.version,
                    "kind": str(c.kind),
                    "path": c.path,
                    "licence": c.licence,
                }
                for c in report.components
            ],
        }
        rendered = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    else:
        from service.formats.text import explain_obligations

        rendered = explain_obligations(found, report.components, report.scan.target)
    write_output(rendered, output)
