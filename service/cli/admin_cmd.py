"""``copyfair admin ...``: bootstrap accounts and API keys on the service's database.

Runs against ``COPYFAIR_DATABASE_URL`` directly (no running server needed); an empty
database is migrated first. Keys are printed once and stored hashed: keep them.

    copyfair admin create-org --kind foundation --name "Geo Commons Foundation" [--json]
    copyfair admin create-commoner --name "Ada Lovelace" [--email ada@example.org] [--json]
    copyfair admin create-key --org ORG_ID [--role foundation] [--name ci] [--json]
    copyfair admin create-key --commoner COMMONER_ID
    copyfair admin revoke-key KEY_ID            (or the key itself)
    copyfair admin set-payout-account ORG_ID acct_...   (or --clear)
    copyfair admin claim-token CLAIM_ID         (a commoner's verification message)

Exit codes: 0 success, 2 usage, configuration or database errors.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING

import click

from service.cli.db_cmd import fail, load_settings, run_on_database

if TYPE_CHECKING:
    from service.db.accounts import CreatedKey

_JSON_OPTION = click.option(
    "--json", "as_json", is_flag=True, help='Print {"id": ..., "api_key": ...} as JSON.'
)


def _uuid(value: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        fail(f"{value!r} is not {what} id (a UUID such as 0190c6e0-...)")


def _print_created(
    kind: str, owner_id: uuid.UUID, name: str, key: CreatedKey, as_json: bool
) -> None:
    if as_json:
        payload = {"id": str(owner_id), "api_key": key.token, "key_id": str(key.id)}
        click.echo(json.dumps(payload))
        return
    click.echo(f"{kind} {name!r}: id {owner_id}")
    click.echo(f"API key (role {key.role.value}, id {key.id}) - shown once, store it now:")
    click.echo(key.token)


@click.group("admin")
def admin() -> None:
    """Create organisations, commoners and API keys; revoke keys."""


@admin.command("create-org")
@click.option(
    "--kind",
    type=click.Choice(["company", "foundation"]),
    required=True,
    help="A company reports its usage; a foundation registers commons and audits.",
)
@click.option("--name", required=True, help="The organisation's name.")
@_JSON_OPTION
def create_org(kind: str, name: str, as_json: bool) -> None:
    """Create an organisation and its first API key."""
    from service.db.accounts import AccountError, create_key, create_organisation
    from service.db.engine import open_database
    from service.db.models import Organisation, OrganisationKind

    settings = load_settings()

    async def work() -> tuple[Organisation, CreatedKey]:
        async with open_database(settings) as sessions, sessions() as session:
            org = await create_organisation(session, OrganisationKind(kind), name)
            key = await create_key(session, organisation_id=org.id, name="initial")
            await session.commit()
            return org, key

    try:
        org, key = run_on_database(settings.database_url, work)
    except AccountError as exc:
        fail(str(exc))
    _print_created(f"{kind} organisation", org.id, org.name, key, as_json)


@admin.command("create-commoner")
@click.option("--name", required=True, help="The person's name.")
@click.option("--email", default=None, help="Their e-mail address (optional).")
@_JSON_OPTION
def create_commoner_command(name: str, email: str | None, as_json: bool) -> None:
    """Create a commoner (a contributor) and their first API key."""
    from service.db.accounts import AccountError, create_commoner, create_key
    from service.db.engine import open_database
    from service.db.models import Commoner

    settings = load_settings()

    async def work() -> tuple[Commoner, CreatedKey]:
        async with open_database(settings) as sessions, sessions() as session:
            person = await create_commoner(session, name, email)
            key = await create_key(session, commoner_id=person.id, name="initial")
            await session.commit()
            return person, key

    try:
        person, key = run_on_database(settings.database_url, work)
    except AccountError as exc:
        fail(str(exc))
    _print_created("commoner", person.id, person.name, key, as_json)


@admin.command("create-key")
@click.option("--org", "org_id", default=None, help="The organisation the key acts for.")
@click.option("--commoner", "commoner_id", default=None, help="The commoner the key acts for.")
@click.option(
    "--role",
    type=click.Choice(["company", "foundation", "commoner"]),
    default=None,
    help="Default: the owner's (the organisation's kind, or commoner).",
)
@click.option("--name", "label", default=None, help="A label, e.g. 'ci'.")
@_JSON_OPTION
def create_key_command(
    org_id: str | None, commoner_id: str | None, role: str | None, label: str | None, as_json: bool
) -> None:
    """Create another API key for an organisation or a commoner."""
    from service.db.accounts import AccountError, create_key
    from service.db.engine import open_database
    from service.db.models import Role

    if (org_id is None) == (commoner_id is None):
        fail("give exactly one of --org ID or --commoner ID")
    settings = load_settings()
    organisation = _uuid(org_id, "an organisation") if org_id else None
    person = _uuid(commoner_id, "a commoner") if commoner_id else None

    async def work() -> CreatedKey:
        async with open_database(settings) as sessions, sessions() as session:
            key = await create_key(
                session,
                organisation_id=organisation,
                commoner_id=person,
                role=Role(role) if role else None,
                name=label,
            )
            await session.commit()
            return key

    try:
        key = run_on_database(settings.database_url, work)
    except AccountError as exc:
        fail(str(exc))
    if as_json:
        click.echo(json.dumps({"id": str(key.id), "api_key": key.token, "role": key.role.value}))
    else:
        click.echo(f"API key (role {key.role.value}, id {key.id}) - shown once, store it now:")
        click.echo(key.token)


@admin.command("revoke-key")
@click.argument("key")
def revoke_key_command(key: str) -> None:
    """Revoke KEY (its id, or the key itself). Requests with it then answer 401."""
    from service.db.accounts import find_key_id, revoke_key
    from service.db.engine import open_database

    settings = load_settings()

    async def work() -> uuid.UUID | None:
        async with open_database(settings) as sessions, sessions() as session:
            key_id = await find_key_id(session, key)
            if key_id is None or not await revoke_key(session, key_id):
                return None
            await session.commit()
            return key_id

    revoked = run_on_database(settings.database_url, work)
    if revoked is None:
        fail(f"no API key {key!r}: give the key's id (printed when it was created) or the key")
    click.echo(f"revoked API key {revoked}")


@admin.command("set-payout-account")
@click.argument("org_id")
@click.argument("account_id", required=False)
@click.option("--clear", is_flag=True, help="Remove the foundation's payout account.")
def set_payout_account_command(org_id: str, account_id: str | None, clear: bool) -> None:
    """Set foundation ORG_ID's Stripe connected account (acct_...), which receives its
    commons' funds by Connect transfer (COPYFAIR_FOUNDATION_TRANSFERS=stripe)."""
    from service.db.engine import open_database
    from service.transfers.accounts import set_payout_account
    from service.transfers.interface import TransferError

    if clear == (account_id is not None):
        fail("give an ACCOUNT_ID (acct_...), or --clear")
    settings = load_settings()
    key = _uuid(org_id, "an organisation")

    async def work() -> str | None:
        async with open_database(settings) as sessions, sessions() as session:
            org = await set_payout_account(session, key, account_id)
            await session.commit()
            return org.payout_account_id

    try:
        account = run_on_database(settings.database_url, work)
    except TransferError as exc:
        fail(str(exc))
    click.echo(f"foundation {key}: payout account {account or 'cleared'}")


@admin.command("claim-token")
@click.argument("claim_id")
def claim_token_command(claim_id: str) -> None:
    """Show the verification message of identity claim CLAIM_ID (there is no mail server:
    pass it on to the commit email's owner). Marks the message sent."""
    from sqlalchemy import select

    from service.db.base import utcnow
    from service.db.engine import open_database
    from service.db.models import OutboxMessage

    settings = load_settings()
    key = _uuid(claim_id, "a claim")

    async def work() -> tuple[str, str, str] | None:
        async with open_database(settings) as sessions, sessions() as session:
            message = await session.scalar(
                select(OutboxMessage)
                .where(OutboxMessage.claim_id == key)
                .order_by(OutboxMessage.created_at.desc())
            )
            if message is None:
                return None
            message.sent_at = message.sent_at or utcnow()
            await session.commit()
            return message.recipient, message.subject, message.body

    found = run_on_database(settings.database_url, work)
    if found is None:
        fail(f"no message for claim {claim_id}: check the id (POST /v1/me/claims answers it)")
    recipient, subject, body = found
    click.echo(f"To: {recipient}\nSubject: {subject}\n\n{body}")
