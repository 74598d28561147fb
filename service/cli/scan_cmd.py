"""``copyfair scan PATH``: find every licence in a tree and report it.

Thin: build the report (:func:`scanners.project.scan_project`, or
:func:`scanners.sbom.read_sbom` for ``--sbom``), format it (:mod:`service.formats`),
write it, apply the policy (:mod:`scanners.policy`) and choose the exit code (0
success, 1 policy failure, 2 usage or input error). Heavy modules are imported inside
the command so that ``copyfair --help`` and a warm rescan start fast.

Obligations (usage signals, the entity profile, schedules, the engine:
:func:`scanners.obligations.with_obligations`) are computed only when asked for: with
``--format json`` (the report carries ``usage`` and ``obligations``), ``--profile``,
``--period``, ``--as-of`` or ``--fail-on obligations[:all]`` (also from the policy file).
A plain warm rescan in text stays as fast as before.

A json or text report of an unchanged plain directory is replayed from the report cache
(:mod:`scanners.report_cache`, :func:`scan_rendered`) when nothing else is done with it
(no policy to check, no upload): the catalog, obligations and formatter are not loaded.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

if TYPE_CHECKING:
    from datetime import date

    from licences.period import Period
    from scanners.obligations_request import ObligationsRequest
    from scanners.policy import Policy
    from scanners.project import ProjectReport
    from scanners.walk import Walk

_F = TypeVar("_F", bound=Callable[..., object])

EXIT_POLICY_FAILURE = 1
EXIT_INPUT_ERROR = 2

_UNITS = {
    "": 1,
    "b": 1,
    "k": 1000,
    "kb": 1000,
    "kib": 1024,
    "m": 1000**2,
    "mb": 1000**2,
    "mib": 1024**2,
    "g": 1000**3,
    "gb": 1000**3,
    "gib": 1024**3,
}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$")


def parse_size(text: str) -> int:
    """``10MB`` -> 10_000_000, ``512KiB`` -> 524_288, ``2048`` -> 2048 bytes."""
    m = _SIZE.match(text)
    unit = m.group(2).lower() if m else ""
    if m is None or unit not in _UNITS:
        raise ValueError(f"not a size: {text!r} (use e.g. 10MB, 512KiB or a number of bytes)")
    return int(float(m.group(1)) * _UNITS[unit])


def _size_option(ctx: click.Context, param: click.Parameter, value: str) -> int:
    try:
        return parse_size(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), ctx, param) from None


def _exclude_option(
    ctx: click.Context, param: click.Parameter, value: tuple[str, ...]
) -> tuple[str, ...]:
    if not value:
        return value
    from scanners.walk import ExcludeError, exclusion

    try:
        exclusion(value)
    except ExcludeError as exc:
        raise click.BadParameter(str(exc), ctx, param) from None
    return value


def _period_option(ctx: click.Context, param: click.Parameter, value: str | None) -> Period | None:
    if value is None:
        return None
    from licences.period import PeriodError, parse_period

    try:
        return parse_period(value)
    except PeriodError as exc:
        raise click.BadParameter(str(exc), ctx, param) from None


def _date_option(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    from datetime import date

    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date YYYY-MM-DD", ctx, param) from None


def obligation_options(command: _F) -> _F:
    """``--profile``, ``--period`` and ``--as-of``, shared by ``scan`` and ``obligations``."""
    command = click.option(
        "--as-of",
        "as_of",
        metavar="DATE",
        callback=_date_option,
        help="Compute obligations as of this day (YYYY-MM-DD) [default: today]; it sets the "
        "default period and dates such as trials and change dates.",
    )(command)
    command = click.option(
        "--period",
        metavar="PERIOD",
        callback=_period_option,
        help="The period obligations cover: YYYY, YYYY-MM or START:END (inclusive ISO "
        "dates); annual amounts are pro-rated to it [default: the calendar year of today].",
    )(command)
    return click.option(
        "--profile",
        "profile_file",
        type=click.Path(dir_okay=False, exists=True),
        metavar="FILE",
        help="The entity profile ([organisation], [use]) [default: copyfair.toml at the "
        "root of PATH]. An invalid profile exits 2 listing every problem.",
    )(command)


def obligations_request(
    profile_file: str | None, period: Period | None, as_of: date | None, *, git: bool = True
) -> ObligationsRequest:
    from datetime import date

    from licences.period import default_period
    from scanners.obligations_request import ObligationsRequest

    reference = as_of if as_of is not None else date.today()
    return ObligationsRequest(
        period=period if period is not None else default_period(reference),
        reference=reference,
        profile_file=Path(profile_file) if profile_file is not None else None,
        git=git,
    )


_FORMATS = [
    "text",
    "json",
    "sarif",
    "spdx-json",
    "spdx-tv",
    "cyclonedx-json",
    "markdown",
]


@click.command()
@click.argument("path", required=False)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(_FORMATS),
    default="text",
    show_default=True,
    help="Output format: text, json, sarif (code scanning), spdx-json / spdx-tv (SPDX 2.3), "
    "cyclonedx-json (CycloneDX 1.6), markdown (PR comment or job summary).",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the report to FILE.")
@click.option(
    "--rev",
    metavar="REV",
    help="Scan this git revision of PATH (a commit, tag or branch) instead of the work tree; "
    "the files are exported with `git archive` into a temporary directory, so the work "
    "tree, index and refs are never touched (files marked export-ignore are left out).",
)
@click.option(
    "--sbom",
    "sbom",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Read an SBOM (SPDX tag-value, JSON, YAML, RDF/XML; CycloneDX JSON) instead of "
    "scanning a tree; an invalid SBOM exits 2 with the validator's messages.",
)
@click.option(
    "--fail-on",
    "fail_on",
    multiple=True,
    metavar="RULES",
    help="Exit 1 when a component matches: comma-separated category:NAME or licence:ID "
    "(e.g. category:copyfair,category:unknown,licence:GPL-3.0-only). Adds to the policy "
    "file ([tool.copyfair] in pyproject.toml or [policy] in copyfair.toml). "
    "`obligations`: exit 1 when a reciprocity payment, a commercial licence, a "
    "prohibition or a review is owed or needs declaration; `obligations:all`: also for "
    "duties such as attribution.",
)
@obligation_options
@click.option(
    "--policy",
    "policy_file",
    type=click.Path(dir_okay=False, exists=True),
    metavar="FILE",
    help="Policy file to use instead of the one found at the root of PATH.",
)
@click.option(
    "--all-files",
    is_flag=True,
    help="In a git work tree, also scan untracked files that are not ignored. Installed "
    "packages (node_modules, .venv site-packages) are inventoried when they are scanned; "
    "they are usually git-ignored, so scan them as a plain directory to include them.",
)
@click.option(
    "--max-file-size",
    default="10MB",
    metavar="SIZE",
    callback=_size_option,
    show_default=True,
    help="Skip files larger than this (e.g. 10MB, 512KiB).",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    metavar="N",
    help="Worker processes [default: CPU count].",
)
@click.option(
    "--exclude",
    "exclude",
    multiple=True,
    metavar="PATTERN",
    callback=_exclude_option,
    help="Leave out paths matching this gitignore-style pattern (repeatable): "
    "`tests/fixtures/` a directory below PATH, `*.min.js` a name at any depth, "
    "`!keep.js` takes one back. The report's notes say how many files were left out.",
)
@click.option("--no-cache", is_flag=True, help="Neither read nor write the scan cache.")
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="Cache directory [default: $COPYFAIR_CACHE_DIR, $XDG_CACHE_HOME/copyfair "
    "or ~/.cache/copyfair].",
)
@click.option("--show-skipped", is_flag=True, help="List every skipped file with the reason.")
@click.option(
    "--report",
    "report_url",
    metavar="URL",
    help="Also send the JSON report to the copyfair service at URL (POST /v1/reports), "
    "which derives the obligations itself; prints the report id and the amount owed.",
)
@click.option(
    "--token",
    envvar="COPYFAIR_TOKEN",
    metavar="KEY",
    help="The company's API key for --report [default: $COPYFAIR_TOKEN].",
)
def scan(
    path: str | None,
    output_format: str,
    output: str | None,
    rev: str | None,
    sbom: str | None,
    fail_on: tuple[str, ...],
    policy_file: str | None,
    all_files: bool,
    max_file_size: int,
    jobs: int | None,
    exclude: tuple[str, ...],
    no_cache: bool,
    cache_dir: str | None,
    show_skipped: bool,
    profile_file: str | None,
    period: Period | None,
    as_of: date | None,
    report_url: str | None = None,
    token: str | None = None,
) -> None:
    """Scan PATH (a directory, a git work tree or a file) for licences and components.

    In a git work tree only tracked files are scanned (add --all-files for untracked
    ones). Every licence is reported with its evidence: SPDX tags, REUSE metadata,
    notices and full licence texts; every component (the project, vendored code,
    dependencies from manifests, lockfiles and installed packages, datasets) with its
    licence and where it was read. Exit codes: 0 success, 1 policy failure, 2 usage or
    input error.

    With --format json, --profile, --period, --as-of or --fail-on obligations the report
    also says whether the use is commercial (declared in copyfair.toml, or inferred) and
    what each component's licence asks of it: its obligations.
    """
    from scanners.errors import TargetError
    from scanners.policy import PolicyError

    if (path is None) == (sbom is None):
        raise click.UsageError("give a PATH to scan or --sbom FILE (one of them)")
    if sbom is not None and rev is not None:
        raise click.UsageError("--rev applies to a scanned PATH, not to --sbom")
    if sbom is not None and exclude:
        raise click.UsageError("--exclude applies to a scanned PATH, not to --sbom")
    if report_url is not None and not token:
        raise click.UsageError("--report needs the API key: --token KEY or $COPYFAIR_TOKEN")
    try:
        policy, policy_origin = _policy(path, fail_on, policy_file)
    except PolicyError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(EXIT_INPUT_ERROR)
    wanted = (
        report_url is not None
        or output_format == "json"
        or policy.obligations is not None
        or any(v is not None for v in (profile_file, period, as_of))
    )
    if path is not None and _replayable(output_format, rev, no_cache, report_url, policy):
        from datetime import date

        # The request as its inputs (the default period follows from the reference day):
        # building it imports the period module, which a replay does without.
        asked = (profile_file, period, as_of or date.today()) if wanted else None
        try:
            rendered = scan_rendered(
                path,
                output_format,
                show_skipped,
                all_files,
                max_file_size,
                jobs,
                cache_dir,
                asked,
                exclude,
            )
        except TargetError as exc:
            click.echo(f"Error: cannot scan {exc}", err=True)
            sys.exit(EXIT_INPUT_ERROR)
        write_output(rendered, output)
        return
    request = obligations_request(profile_file, period, as_of, git=rev is None) if wanted else None
    # Imported here: a replayed report (above) needs no formatter.
    from service.formats.interface import OutputFormat, get_format, needs_checksums

    choice = OutputFormat(output_format)
    report: ProjectReport
    if sbom is not None:
        report = _read_sbom(sbom)
        if request is not None:
            report = add_obligations(report, request)
    else:
        assert path is not None
        try:
            report = scan_path(
                path,
                rev,
                all_files,
                max_file_size,
                jobs,
                no_cache,
                cache_dir,
                checksums=needs_checksums(choice),
                obligations=request,
                exclude=exclude,
            )
        except TargetError as exc:
            click.echo(f"Error: cannot scan {exc}", err=True)
            sys.exit(EXIT_INPUT_ERROR)
    write_output(get_format(choice).render(report, show_skipped=show_skipped), output)
    if report_url is not None:
        assert token is not None
        _send_report(report, report_url, token, period)
    _enforce(report, policy, policy_origin)


def write_output(rendered: str, output: str | None) -> None:
    """Print ``rendered``, or write it to the file ``output`` (exit 2 naming it on failure)."""
    if output is None:
        click.echo(rendered, nl=False)
        return
    try:
        Path(output).write_text(rendered, encoding="utf-8")
    except OSError as exc:
        click.echo(f"Error: cannot write {output}: {exc.strerror}", err=True)
        sys.exit(EXIT_INPUT_ERROR)


def _replayable(
    output_format: str, rev: str | None, no_cache: bool, url: str | None, policy: Policy
) -> bool:
    """Whether this scan's rendered report may come from the report cache: a cached
    scan of the work tree, in json or text, with nothing else done with the report (no
    upload, no policy to check)."""
    from service.cli.replay import SECONDS_TEXT

    return (
        output_format in SECONDS_TEXT
        and rev is None
        and not no_cache
        and url is None
        and policy.empty
        and policy.obligations is None
    )


def scan_rendered(
    path: str,
    output_format: str,
    show_skipped: bool,
    all_files: bool,
    max_file_size: int,
    jobs: int | None,
    cache_dir: str | None,
    asked: tuple[str | None, Period | None, date] | None,
    exclude: tuple[str, ...] = (),
) -> str:
    """The report of PATH rendered in ``output_format`` (json or text): replayed from
    the report cache when every input is unchanged (:mod:`scanners.report_cache`), else
    scanned, rendered and stored for the next run. ``asked``: the obligations wanted
    (profile file, period, reference day), or None."""
    import dataclasses
    import time

    from scanners.report_cache import replay_stats, split_at, transient
    from scanners.walk import walk
    from service.cli.replay import SECONDS_TEXT, replay_from, report_cache_of, take_walk

    started = time.perf_counter()
    listing = take_walk(path, all_files, exclude) or walk(
        path, all_files=all_files, exclude=exclude
    )
    seconds_text = SECONDS_TEXT[output_format]
    stored = report_cache_of(
        path,
        listing,
        output_format,
        show_skipped,
        all_files,
        max_file_size,
        cache_dir,
        asked,
        exclude,
    )
    rendered = replay_from(stored, output_format, started)
    if rendered is not None:
        return rendered
    from service.formats.interface import OutputFormat, get_format

    request = None if asked is None else obligations_request(*asked)
    report = scan_path(
        path,
        None,
        all_files,
        max_file_size,
        jobs,
        False,
        cache_dir,
        checksums=False,
        obligations=request,
        listing=listing,
        started=started,
        exclude=exclude,
        output_format=output_format,
    )
    renderer = get_format(OutputFormat(output_format))
    problems = report.obligations.problems if report.obligations is not None else ()
    if stored is not None and not transient([*(s.reason for s in report.scan.skipped), *problems]):
        stats = replay_stats(report.scan.stats, listing, max_file_size)
        replay = dataclasses.replace(report, scan=dataclasses.replace(report.scan, stats=stats))
        parts = split_at(renderer.render(replay, show_skipped=show_skipped), seconds_text)
        if parts is not None:
            stored.save(parts)
    return renderer.render(report, show_skipped=show_skipped)


def _send_report(report: ProjectReport, url: str, token: str, period: Period | None) -> None:
    """POST the JSON report to the service (:mod:`service.cli.report_upload`); exit 2 with
    the server's message when it cannot. A ``--period`` of one month is the report's
    billing month; otherwise the service counts it for its current month."""
    import json

    from service.cli.report_upload import ReportUploadError, upload_report
    from service.formats.interface import OutputFormat, get_format

    document = json.loads(get_format(OutputFormat.JSON).render(report, show_skipped=False))
    from licences.period import Period

    whole_month = period is not None and period == Period.month(
        period.start.year, period.start.month
    )
    month = f"{period.start:%Y-%m}" if period is not None and whole_month else None
    try:
        sent = upload_report(url, token, document, period=month)
    except ReportUploadError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(EXIT_INPUT_ERROR)
    click.echo(sent.describe(url), err=True)


def scan_path(
    path: str,
    rev: str | None,
    all_files: bool,
    max_file_size: int,
    jobs: int | None,
    no_cache: bool,
    cache_dir: str | None,
    *,
    checksums: bool,
    obligations: ObligationsRequest | None = None,
    listing: Walk | None = None,
    started: float | None = None,
    exclude: tuple[str, ...] = (),
    output_format: str | None = None,
) -> ProjectReport:
    """Scan PATH (or its revision REV); ``checksums``: read the SHA-1 of licensed files
    (for SPDX) while they are still there (a revision's files are deleted afterwards);
    ``obligations``: compute them, likewise while the files are there (exits 2 on an
    invalid profile); ``output_format``: how the report will be rendered, if known."""
    from scanners.cache_files import default_cache_dir
    from scanners.project import scan_project, with_checksums
    from scanners.scan import ScanOptions
    from service.cli.replay import default_hub_cache

    options = ScanOptions(
        all_files=all_files,
        max_file_size=max_file_size,
        jobs=jobs,
        cache_dir=None if no_cache else Path(cache_dir) if cache_dir else default_cache_dir(),
        hub_cache=default_hub_cache(),
        exclude=exclude,
    )
    if rev is None:
        report = scan_project(
            path,
            options,
            listing=listing,
            started=started,
            prepare=partial(_import_next_steps, obligations is not None, output_format),
        )
        if obligations is not None:
            report = add_obligations(report, obligations)
        return with_checksums(report) if checksums else report
    import dataclasses
    import tempfile

    from scanners.gitinfo import export_revision
    from scanners.walk import resolve_target

    root, single = resolve_target(path)
    if single is not None:
        raise click.UsageError("--rev needs a directory of a git repository, not a file")
    # Exported files get new inodes and times each run: the path cache cannot help, and
    # one cache file per temporary directory would only litter the cache.
    options = dataclasses.replace(options, cache_dir=None)
    with tempfile.TemporaryDirectory(prefix="copyfair-rev-") as tmp:
        exported, info = export_revision(root, rev, Path(tmp))
        report = scan_project(exported, options, git=info)
        if obligations is not None:
            report = add_obligations(report, obligations)
        if checksums:
            report = with_checksums(report)
    scan = dataclasses.replace(report.scan, target=f"{path}@{rev}")
    return dataclasses.replace(report, scan=scan, root=None)


def _import_next_steps(obligations: bool, output_format: str | None) -> None:
    """Import what the command needs once the scan is done (the obligations, the
    renderer): run while worker processes scan (``scan_project``'s ``prepare``), so that
    it is not paid after them."""
    import importlib

    names: list[str] = []
    if obligations:
        names += ["scanners.obligations", "scanners.usage", "licences.obligations"]
    if output_format in ("json", "text"):
        names.append(f"service.formats.{output_format}")
    for name in names:
        importlib.import_module(name)
    if obligations:
        from licences.catalog import load_catalog

        load_catalog()


def add_obligations(report: ProjectReport, request: ObligationsRequest) -> ProjectReport:
    """``report`` with its obligations; an unreadable or invalid profile exits 2 with every
    problem (field, expected, found, fix)."""
    from licences.profile import DeclarationError
    from scanners.obligations import DeclarationFileError, with_obligations

    try:
        return with_obligations(report, request)
    except DeclarationFileError as exc:
        click.echo(f"Error: entity profile {exc}", err=True)
    except DeclarationError as exc:
        click.echo(f"Error: {len(exc.problems)} problem(s) in the entity profile:", err=True)
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
    sys.exit(EXIT_INPUT_ERROR)


def _read_sbom(sbom: str) -> ProjectReport:
    from scanners.sbom import SbomError, read_sbom

    try:
        return read_sbom(sbom)
    except SbomError as exc:
        click.echo(f"Error: {exc.path}: invalid SBOM:", err=True)
        for message in exc.messages:
            click.echo(f"  {message}", err=True)
        sys.exit(EXIT_INPUT_ERROR)


def _policy(
    path: str | None, fail_on: tuple[str, ...], policy_file: str | None
) -> tuple[Policy, str | None]:
    from scanners.policy import load_policy, load_policy_file, parse_fail_on

    if policy_file is not None:
        found, origin = load_policy_file(Path(policy_file))
    else:
        base = Path(path) if path is not None else Path.cwd()
        directory = base if base.is_dir() else base.parent
        found, origin = load_policy(directory)
    return found + parse_fail_on(fail_on), origin


def _enforce(report: ProjectReport, policy: Policy, origin: str | None) -> None:
    failed = _enforce_obligations(report, policy, origin)
    failed = _enforce_licences(report, policy, origin) or failed
    if failed:
        sys.exit(EXIT_POLICY_FAILURE)


def _enforce_obligations(report: ProjectReport, policy: Policy, origin: str | None) -> bool:
    """List what fails ``--fail-on obligations[:all]``; True when something does."""
    from scanners.policy import ObligationsMode
    from service.formats.text import component_label, obligation_head

    mode = policy.obligations
    if mode is None or report.obligations is None:
        return False
    failing = report.obligations.failing(all_duties=mode is ObligationsMode.ALL)
    if not failing:
        return False
    where = f" ({origin} and --fail-on)" if origin else ""
    noun = "obligation" if len(failing) == 1 else "obligations"
    click.echo(
        f"Policy failed{where}: {len(failing)} {noun} owed or to be declared ({mode}):",
        err=True,
    )
    by_id = {c.id: c for c in report.components}
    for o in failing:
        label = component_label(o.component_id, by_id)
        click.echo(f"  {label}: {o.licence}: {obligation_head(o)}", err=True)
        click.echo(f"      {o.reason}", err=True)
    return True


def _enforce_licences(report: ProjectReport, policy: Policy, origin: str | None) -> bool:
    """List the components the licence rules refuse; True when there are any."""
    from scanners.policy import catalog_category, evaluate

    if policy.empty:
        return False
    violations = evaluate(report.components, policy, catalog_category)
    if not violations:
        return False
    where = f" ({origin} and --fail-on)" if origin else ""
    noun = "component" if len(violations) == 1 else "components"
    click.echo(f"Policy failed{where}: {len(violations)} {noun} refused:", err=True)
    for v in violations:
        c = v.component
        version = f" {c.version}" if c.version else ""
        click.echo(f"  {c.kind} {c.name}{version} ({c.path}): {c.licence}", err=True)
        for reason in v.reasons:
            click.echo(f"      {reason}", err=True)
    return True
