"""Usage inference: is the scanned project used commercially, and how?

Signals come from the tree (:mod:`.signals`, pure functions of texts, paths and the
inventory's components; :mod:`.holders` for copyright holders) and from the git history
(:mod:`.gitsignals`); :func:`usage_signals_from_files` (:mod:`.tree`) gathers them all
from the paths the walk found. :func:`assess_usage` (:mod:`.assess`) merges them with the
declared entity profile into a :class:`licences.usage.UsageAssessment`.

The lists behind the signals (SDKs, email domains, company legal forms) are data, in
``scanners/usage/data/*.toml``.
"""

from scanners.usage.assess import assess_usage, infer_commercial, inferred_uses
from scanners.usage.gitsignals import (
    DEFAULT_MAX_COMMITS,
    Author,
    History,
    classify_domain,
    commit_signals,
    read_commit_authors,
)
from scanners.usage.holders import Holder, HolderClass, classify_holder, find_holders
from scanners.usage.signals import (
    SignalKind,
    dependency_signals,
    deployment_signals,
    holder_signals,
    manifest_signals,
    project_licence_signals,
    training_signals,
)
from scanners.usage.tree import TreeSignals, usage_signals_from_files

__all__ = [
    "DEFAULT_MAX_COMMITS",
    "Author",
    "History",
    "Holder",
    "HolderClass",
    "SignalKind",
    "TreeSignals",
    "assess_usage",
    "classify_domain",
    "classify_holder",
    "commit_signals",
    "dependency_signals",
    "deployment_signals",
    "find_holders",
    "holder_signals",
    "infer_commercial",
    "inferred_uses",
    "manifest_signals",
    "project_licence_signals",
    "read_commit_authors",
    "training_signals",
    "usage_signals_from_files",
]
