"""Organisations, commoners and API keys: creation, lookup, revocation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.base import utcnow
from service.db.models import ApiKey, Commoner, Organisation, OrganisationKind, Role
from service.security import generate_api_key, key_prefix, verify

__all__ = [
    "AccountError",
    "CreatedKey",
    "Principal",
    "authenticate",
    "find_key_id",
    "list_keys",
    "create_commoner",
    "create_key",
    "create_organisation",
    "get_organisation",
    "revoke_key",
]


class AccountError(ValueError):
    """An account operation that cannot be done (unknown owner, role that does not fit)."""


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a request acts for: the key, its role, and its one owner."""

    key_id: uuid.UUID
    role: Role
    organisation_id: uuid.UUID | None
    commoner_id: uuid.UUID | None

    @property
    def owner_id(self) -> uuid.UUID:
        owner = self.organisation_id or self.commoner_id
        assert owner is not None
        return owner


@dataclass(frozen=True, slots=True)
class CreatedKey:
    """A new key: ``token`` is the secret to show once; only its hash is stored."""

    id: uuid.UUID
    token: str
    role: Role
    organisation_id: uuid.UUID | None
    commoner_id: uuid.UUID | None


_ROLE_OF_KIND = {
    OrganisationKind.COMPANY: Role.COMPANY,
    OrganisationKind.FOUNDATION: Role.FOUNDATION,
}


async def create_organisation(
    session: AsyncSession, kind: OrganisationKind, name: str
) -> Organisation:
    name = name.strip()
    if not name:
        raise AccountError("the organisation's name is empty: give --name")
    org = Organisation(kind=kind.value, name=name)
    session.add(org)
    await session.flush()
    return org


async def create_commoner(session: AsyncSession, name: str, email: str | None = None) -> Commoner:
    name = name.strip()
    if not name:
        raise AccountError("the commoner's name is empty: give --name")
    person = Commoner(name=name, email=email)
    session.add(person)
    await session.flush()
    return person


async def get_organisation(session: AsyncSession, org_id: uuid.UUID) -> Organisation | None:
    return await session.get(Organisation, org_id)


async def create_key(
    session: AsyncSession,
    *,
    organisation_id: uuid.UUID | None = None,
    commoner_id: uuid.UUID | None = None,
    role: Role | None = None,
    name: str | None = None,
) -> CreatedKey:
    """A key for one organisation or one commoner. The role defaults to the owner's (the
    organisation's kind, or ``commoner``); another role is refused."""
    if (organisation_id is None) == (commoner_id is None):
        raise AccountError("a key belongs to exactly one organisation or one commoner")
    if organisation_id is not None:
        org = await session.get(Organisation, organisation_id)
        if org is None:
            raise AccountError(f"no organisation with id {organisation_id}")
        expected = _ROLE_OF_KIND[OrganisationKind(org.kind)]
    else:
        assert commoner_id is not None
        if await session.get(Commoner, commoner_id) is None:
            raise AccountError(f"no commoner with id {commoner_id}")
        expected = Role.COMMONER
    if role is not None and role is not expected:
        raise AccountError(
            f"role {role.value!r} does not fit this owner, whose keys have role "
            f"{expected.value!r}: omit --role or pass --role {expected.value}"
        )
    new = generate_api_key()
    key = ApiKey(
        prefix=new.prefix,
        hash=new.hash,
        role=expected.value,
        name=name,
        organisation_id=organisation_id,
        commoner_id=commoner_id,
    )
    session.add(key)
    await session.flush()
    return CreatedKey(key.id, new.token, expected, organisation_id, commoner_id)


async def revoke_key(session: AsyncSession, key_id: uuid.UUID) -> bool:
    """Revoke a key; False when there is no such key. Revoking twice is harmless."""
    key = await session.get(ApiKey, key_id)
    if key is None:
        return False
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        await session.flush()
    return True


async def list_keys(session: AsyncSession, owner_id: uuid.UUID) -> list[ApiKey]:
    query = (
        select(ApiKey)
        .where((ApiKey.organisation_id == owner_id) | (ApiKey.commoner_id == owner_id))
        .order_by(ApiKey.id)
    )
    return list((await session.scalars(query)).all())


async def authenticate(session: AsyncSession, token: str) -> Principal | None:
    """The principal of a valid, unrevoked key; None otherwise."""
    prefix = key_prefix(token)
    if prefix is None:
        return None
    key = await session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    if key is None or key.revoked_at is not None or not verify(token, key.hash):
        return None
    return Principal(
        key_id=key.id,
        role=Role(key.role),
        organisation_id=key.organisation_id,
        commoner_id=key.commoner_id,
    )


async def find_key_id(session: AsyncSession, key: str) -> uuid.UUID | None:
    """The id of a key given by its id or by the key itself."""
    try:
        return uuid.UUID(key)
    except ValueError:
        pass
    prefix = key_prefix(key)
    if prefix is None:
        return None
    found = await session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    return found.id if found is not None and verify(key, found.hash) else None
