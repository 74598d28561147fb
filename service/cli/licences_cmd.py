"""``copyfair licences ...``: inspect and validate the licence catalog, normalise expressions.

Exit codes: 0 success, 1 invalid catalog data (``validate``), 2 usage or input errors
(unknown id, invalid category, invalid expression).
"""

from __future__ import annotations

import dataclasses
import json
from enum import StrEnum
from typing import Any, NoReturn, assert_never

import click

from licences.catalog import Licence, load_catalog, validate_catalog_data
from licences.categories import CATEGORY_ORDER, Category
from licences.errors import ExpressionError, UnknownLicenceError


class OutputFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


_FORMAT_OPTION = click.option(
    "--format",
    "output_format",
    type=click.Choice([f.value for f in OutputFormat], case_sensitive=False),
    default=OutputFormat.TEXT.value,
    show_default=True,
    help="Output format.",
)


def _fail(message: str) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    raise click.exceptions.Exit(2)


def licence_summary(licence: Licence) -> dict[str, Any]:
    return {
        "id": licence.id,
        "name": licence.name,
        "category": licence.category.value,
        "kind": licence.kind.value,
        "source": licence.source.value,
        "is_osi_approved": licence.is_osi_approved,
        "is_deprecated": licence.is_deprecated,
        "has_terms": licence.terms is not None,
    }


def licence_details(licence: Licence) -> dict[str, Any]:
    data = dataclasses.asdict(licence)
    for key, value in data.items():
        if isinstance(value, tuple):
            data[key] = list(value)
    data["terms"] = _plain(data["terms"])
    return data


def _plain(value: Any) -> Any:
    """Tuples to lists, recursively (so JSON shows them as arrays)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


@click.group()
def licences() -> None:
    """Inspect the licence catalog."""


@licences.command("list")
@click.option(
    "--category",
    type=click.Choice([c.value for c in CATEGORY_ORDER], case_sensitive=False),
    help="Only licences of this category.",
)
@_FORMAT_OPTION
def list_command(category: str | None, output_format: str) -> None:
    """List the licences: id, category, name (copyfair and non-commercial first)."""
    selected = [
        x for x in load_catalog().ordered() if category is None or x.category is Category(category)
    ]
    fmt = OutputFormat(output_format.lower())
    match fmt:
        case OutputFormat.JSON:
            click.echo(json.dumps([licence_summary(x) for x in selected], indent=2))
        case OutputFormat.TEXT:
            if not selected:
                click.echo("no licences")
                return
            id_width = max(len(x.id) for x in selected)
            cat_width = max(len(x.category.value) for x in selected)
            click.echo(f"{'ID':<{id_width}}  {'CATEGORY':<{cat_width}}  NAME")
            for x in selected:
                click.echo(f"{x.id:<{id_width}}  {x.category.value:<{cat_width}}  {x.name}")
            click.echo(f"\n{len(selected)} licence(s)")
        case _:
            assert_never(fmt)


def _condition_text(fact: str, op: str, value: object) -> str:
    shown = str(value).lower() if isinstance(value, bool) else str(value)
    return f"{fact} {op} {shown}"


def _text_details(licence: Licence) -> list[str]:
    lines = [
        f"id:              {licence.id}",
        f"name:            {licence.name}",
        f"category:        {licence.category.value}",
        f"kind:            {licence.kind.value}",
        f"source:          {licence.source.value}",
        f"origin:          {licence.origin}",
        f"OSI approved:    {'yes' if licence.is_osi_approved else 'no'}",
        f"deprecated:      {'yes' if licence.is_deprecated else 'no'}"
        + (f" (since {licence.deprecated_version})" if licence.deprecated_version else ""),
    ]
    if licence.replaced_by:
        lines.append(f"replaced by:     {licence.replaced_by}")
    if licence.list_version_added:
        lines.append(f"added in list:   {licence.list_version_added}")
    if licence.scancode_category:
        lines.append(f"ScanCode class:  {licence.scancode_category}")
    for n, url in enumerate(licence.see_also):
        lines.append(f"{'see also:' if n == 0 else '':<17}{url}")
    if licence.notes:
        lines.append(f"notes:           {licence.notes}")
    if licence.text_path:
        lines.append(f"text:            licences/data/{licence.text_path}")
    for path in licence.variant_text_paths:
        lines.append(f"variant text:    licences/data/{path}")
    terms = licence.terms
    if terms is None:
        lines.append("terms:           none yet")
        return lines
    lines += ["", f"terms: {terms.summary}"]
    for rule in terms.rules:
        condition = ""
        if rule.applies_if:
            condition = " if " + " and ".join(
                _condition_text(c.fact.value, c.op.value, c.value) for c in rule.applies_if
            )
        lines.append(
            f"  - {rule.id}: {', '.join(u.value for u in rule.uses)}"
            f" ({rule.purpose.value} purpose){condition}"
            f" -> owes {', '.join(o.value for o in rule.owes)}  [{rule.clause.ref}]"
        )
        lines.append(f"      {rule.summary}")
        for ex in rule.exemptions:
            facts = " and ".join(
                _condition_text(c.fact.value, c.op.value, c.value) for c in ex.when
            )
            lines.append(f"      exempt ({ex.id}) when {facts}  [{ex.clause.ref}]")
    return lines


@licences.command("show")
@click.argument("licence_id", metavar="ID")
@click.option("--text", "show_text", is_flag=True, help="Print the plain licence text.")
@_FORMAT_OPTION
def show_command(licence_id: str, show_text: bool, output_format: str) -> None:
    """Show every field of licence ID (any case), including its terms."""
    try:
        licence = load_catalog().require(licence_id)
    except UnknownLicenceError as exc:
        _fail(str(exc))
    if show_text:
        text = licence.text()
        if not text:
            _fail(f"no text is shipped for {licence.id}")
        click.echo(text, nl=not text.endswith("\n"))
        return
    fmt = OutputFormat(output_format.lower())
    match fmt:
        case OutputFormat.JSON:
            click.echo(json.dumps(licence_details(licence), indent=2, ensure_ascii=False))
        case OutputFormat.TEXT:
            click.echo("\n".join(_text_details(licence)))
        case _:
            assert_never(fmt)


@licences.command("validate")
def validate_command() -> None:
    """Validate the catalog data (index, categories, terms); list every problem.

    Exits 1 if there is any problem, 0 otherwise."""
    problems = validate_catalog_data()
    if problems:
        for problem in problems:
            click.echo(str(problem))
        click.echo(f"\n{len(problems)} problem(s) found", err=True)
        raise click.exceptions.Exit(1)
    catalog = load_catalog()
    with_terms = sum(1 for x in catalog if x.terms is not None)
    click.echo(
        f"catalog data valid: {len(catalog)} licences and exceptions, "
        f"{with_terms} terms files, categories complete"
    )


@licences.command("normalise")
@click.argument("expression")
@click.option("--strict", is_flag=True, help="Reject ids that are not in the catalog.")
def normalise_command(expression: str, strict: bool) -> None:
    """Print the normalised form of an SPDX licence EXPRESSION."""
    from licences.expressions import parse_expression  # license-expression loads slowly

    try:
        parsed = parse_expression(expression, strict=strict)
    except ExpressionError as exc:
        _fail(str(exc))
    for unknown in parsed.unknown_ids:
        click.echo(f"warning: {unknown!r} is not a known licence id", err=True)
    click.echo(parsed.expression)
