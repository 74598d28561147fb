"""Who a commit credits: identities merged through aliases, bots excluded (pure).

git's ``.mailmap`` is applied by git itself (``%aN``/``%aE`` and ``git check-mailmap``,
see :mod:`scanners.contributions.history`); :class:`IdentityRules` then applies what the
commons configures: **aliases** (an email, matched case-insensitively, that belongs to
another commoner) and **bot patterns** (shell-style as :mod:`fnmatch` reads them, so
``[`` opens a character class; case-insensitive; matched against the name, the email and
the email's local part). A name or email local part ending in ``[bot]`` is always a bot.
A commoner's id is their canonical email in lower case (``name:<Name>`` when a commit has
no email).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from types import MappingProxyType

BOT_SUFFIX = "[bot]"  # GitHub apps: "name[bot]", "123+name[bot]@users.noreply.github.com"
DEFAULT_BOT_PATTERNS: tuple[str, ...] = (
    "dependabot*",
    "renovate*",
    "github-actions*",
    "greenkeeper*",
    "snyk-bot*",
    "pre-commit-ci*",
    "weblate*",
)

_CONTACT = re.compile(r"^\s*(?P<name>[^<>]*?)\s*<(?P<email>[^<>\s]*)>\s*$")


@dataclass(frozen=True, slots=True)
class Identity:
    """A name and an email as git reports them (after .mailmap)."""

    name: str
    email: str

    @property
    def contact(self) -> str:
        """``Name <email>``, the form ``git check-mailmap`` reads."""
        return f"{self.name} <{self.email}>"


def parse_contact(text: str) -> Identity | None:
    """``Jane Doe <jane@example.org>`` -> Identity; None when it has no ``<email>``."""
    match = _CONTACT.match(text)
    if match is None or not match.group("email"):
        return None
    return Identity(match.group("name"), match.group("email"))


def commoner_id(identity: Identity) -> str:
    email = identity.email.strip().lower()
    return email if email else f"name:{identity.name.strip()}"


@dataclass(frozen=True, slots=True)
class IdentityRules:
    """Aliases and bot patterns configured for a commons."""

    aliases: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    bot_patterns: tuple[str, ...] = DEFAULT_BOT_PATTERNS

    @classmethod
    def of(
        cls, aliases: Mapping[str, str] | None = None, extra_bots: Iterable[str] = ()
    ) -> IdentityRules:
        """Aliases ``{alias email: canonical email}`` and bot patterns added to the
        defaults."""
        normalised = {k.strip().lower(): v.strip().lower() for k, v in (aliases or {}).items()}
        return cls(
            MappingProxyType(normalised),
            DEFAULT_BOT_PATTERNS + tuple(p.lower() for p in extra_bots),
        )

    def is_bot(self, identity: Identity) -> bool:
        name = identity.name.strip().lower()
        email = identity.email.strip().lower()
        local = email.split("@", 1)[0]
        candidates = [c for c in (name, email, local) if c]
        if name.endswith(BOT_SUFFIX) or local.endswith(BOT_SUFFIX):
            return True
        return any(fnmatchcase(c, p) for c in candidates for p in self.bot_patterns)

    def resolve(self, identity: Identity) -> str:
        """The commoner id of ``identity``, aliases followed (a chain, never a loop)."""
        current = commoner_id(identity)
        seen = {current}
        while current in self.aliases:
            current = self.aliases[current]
            if current in seen:
                break
            seen.add(current)
        return current
