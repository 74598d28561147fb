"""What :func:`scanners.obligations.with_obligations` is asked to compute.

Apart from :mod:`scanners.obligations` (which imports the licence catalog and the
obligations engine) so that a command can build a request, and key a cache with it,
without importing the engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from licences.period import Period


@dataclass(frozen=True)
class ObligationsRequest:
    """What to compute: the period, the reference date ("today", injectable), where the
    profile is (None: ``copyfair.toml`` at the root), and how much git history to read."""

    period: Period
    reference: date
    profile_file: Path | None = None
    git: bool = True
    max_commits: int = 1000
