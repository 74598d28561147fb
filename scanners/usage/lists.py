"""The lists behind the usage signals, kept as data in ``scanners/usage/data/*.toml``.

- ``sdks.toml``: billing, payment, advertising and analytics SDKs per ecosystem;
- ``domains.toml``: webmail and platform email domains, academic and public-body domains;
- ``holders.toml``: how a copyright holder's name tells a company from a foundation.

Each loader validates its file and raises :class:`UsageDataError` naming the file, the
field and what was wrong; results are cached (the files ship with the package).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from scanners.errors import ScannerError

DATA_DIR = Path(__file__).resolve().parent / "data"
SDKS_PATH = DATA_DIR / "sdks.toml"
DOMAINS_PATH = DATA_DIR / "domains.toml"
HOLDERS_PATH = DATA_DIR / "holders.toml"

ECOSYSTEMS = ("pypi", "npm", "cargo", "golang", "maven")
# Holder classes in the order they are tried (see holders.toml).
HOLDER_CLASSES = ("nonprofit", "cooperative", "academic", "public", "company", "generic")


class UsageDataError(ScannerError):
    """A usage data file is malformed (a packaging error, not a user error)."""


@dataclass(frozen=True, slots=True)
class SdkCategory:
    """One category of SDKs: its name, how it is named in evidence, its weight, and the
    package names per ecosystem (normalised, see :func:`normalise_package`)."""

    name: str
    label: str
    weight: float
    packages: dict[str, frozenset[str]]


@dataclass(frozen=True, slots=True)
class DomainLists:
    webmail: frozenset[str]
    platforms: frozenset[str]
    academic: tuple[re.Pattern[str], ...]
    public: tuple[re.Pattern[str], ...]
    nonprofit_tlds: frozenset[str]


@dataclass(frozen=True, slots=True)
class HolderRules:
    """Patterns per holder class, tried in :data:`HOLDER_CLASSES` order."""

    patterns: tuple[tuple[str, tuple[re.Pattern[str], ...]], ...]
    known_companies: tuple[str, ...]


def _load(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UsageDataError(f"{path.name}: cannot load: {exc}") from exc


def _strings(data: dict[str, Any], key: str, where: str) -> list[str]:
    value = data.get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UsageDataError(f"{where}: '{key}' must be a list of strings, found {value!r}")
    return list(value)


def _patterns(data: dict[str, Any], key: str, where: str) -> tuple[re.Pattern[str], ...]:
    out = []
    for raw in _strings(data, key, where):
        try:
            out.append(re.compile(raw))
        except re.error as exc:
            raise UsageDataError(f"{where}: '{key}': bad pattern {raw!r}: {exc}") from exc
    return tuple(out)


def normalise_package(ecosystem: str, name: str) -> str:
    """A package name as the ecosystem compares it: PyPI per PEP 503, Go without the
    ``/vN`` major-version suffix, everything lower-case."""
    lowered = name.strip().lower()
    if ecosystem == "pypi":
        return re.sub(r"[-_.]+", "-", lowered)
    if ecosystem == "golang":
        return re.sub(r"/v\d+$", "", lowered)
    return lowered


def parse_sdks(data: dict[str, Any], where: str = "sdks.toml") -> tuple[SdkCategory, ...]:
    out = []
    for name, table in data.items():
        here = f"{where}: [{name}]"
        if not isinstance(table, dict):
            raise UsageDataError(f"{here}: must be a table, found {table!r}")
        label = table.get("label")
        weight = table.get("weight")
        if not isinstance(label, str) or not label:
            raise UsageDataError(f"{here}: 'label' must be a non-empty string, found {label!r}")
        if not isinstance(weight, int | float) or not 0 < weight <= 1:
            raise UsageDataError(f"{here}: 'weight' must be a number in (0, 1], found {weight!r}")
        unknown = set(table) - {"label", "weight", *ECOSYSTEMS}
        if unknown:
            raise UsageDataError(f"{here}: unknown keys {sorted(unknown)}")
        packages = {
            eco: frozenset(normalise_package(eco, n) for n in _strings(table, eco, here))
            for eco in ECOSYSTEMS
            if eco in table
        }
        out.append(SdkCategory(name, label, float(weight), packages))
    return tuple(out)


def parse_domains(data: dict[str, Any], where: str = "domains.toml") -> DomainLists:
    return DomainLists(
        webmail=frozenset(d.lower() for d in _strings(data, "webmail", where)),
        platforms=frozenset(d.lower() for d in _strings(data, "platforms", where)),
        academic=_patterns(data, "academic", where),
        public=_patterns(data, "public", where),
        nonprofit_tlds=frozenset(d.lower() for d in _strings(data, "nonprofit_tlds", where)),
    )


def parse_holders(data: dict[str, Any], where: str = "holders.toml") -> HolderRules:
    unknown = set(data) - {*HOLDER_CLASSES, "known_companies"}
    if unknown:
        raise UsageDataError(f"{where}: unknown keys {sorted(unknown)}")
    return HolderRules(
        patterns=tuple((c, _patterns(data, c, where)) for c in HOLDER_CLASSES),
        known_companies=tuple(_strings(data, "known_companies", where)),
    )


@cache
def sdk_categories() -> tuple[SdkCategory, ...]:
    return parse_sdks(_load(SDKS_PATH))


@cache
def domain_lists() -> DomainLists:
    return parse_domains(_load(DOMAINS_PATH))


@cache
def holder_rules() -> HolderRules:
    return parse_holders(_load(HOLDERS_PATH))
