"""Each template's n-gram keys, for the rival check (``LicenceTextMatcher._may_rival``).

The keys are those the index's postings hold for the template: the n-grams of all its
tokens and of its required tokens alone. Computing them takes a tenth of a millisecond per
template, which a scan that checks hundreds of rivals in each worker notices; storing them in
the pickled index costs every process 5 MB. So they are computed once per index and kept in
a file beside it (``matcher-grams-<key>.npy``, one int64 array: the ``len(templates) + 1``
start offsets, then the keys), memory-mapped read-only: the pages a worker reads are shared
through the page cache, and the others are never resident. A cache directory that cannot be
written only means computing them in memory.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from licences.disk_cache import default_cache_dir
from scanners.matching.index import NGRAM, TemplateIndex, required_ids


def gram_keys(ids: NDArray[np.int64], base: int) -> NDArray[np.int64]:
    """The n-gram keys of a sequence of token ids (``index.ngram_keys``, as an array)."""
    if len(ids) < NGRAM:
        return np.zeros(0, dtype=np.int64)
    keys: NDArray[np.int64] = ((ids[:-3] * base + ids[1:-2]) * base + ids[2:-1]) * base + ids[3:]
    return keys


def template_keys(index: TemplateIndex, n: int) -> NDArray[np.int64]:
    """The sorted n-gram keys of template ``n``."""
    every = np.frombuffer(index.token_ids[n], dtype=np.int32).astype(np.int64)
    required = np.array(required_ids(every.tolist(), index.required[n]), dtype=np.int64)
    both = np.concatenate([gram_keys(every, index.gram_base), gram_keys(required, index.gram_base)])
    keys: NDArray[np.int64] = np.unique(both)
    return keys


def build_table(index: TemplateIndex) -> NDArray[np.int64]:
    """Start offsets then keys of every template (see the module doc)."""
    parts = [template_keys(index, n) for n in range(len(index.templates))]
    starts = np.zeros(len(parts) + 1, dtype=np.int64)
    np.cumsum([len(p) for p in parts], out=starts[1:])
    starts += len(parts) + 1
    return np.concatenate([starts, *parts])


class TemplateGrams:
    """Template number -> its sorted n-gram keys, from a table (see :func:`build_table`)."""

    def __init__(self, table: NDArray[np.int64], n_templates: int) -> None:
        if len(table) < n_templates + 1 or table[n_templates] != len(table):
            raise ValueError("not a template n-gram table of this index")
        self._table = table
        self._starts = table[: n_templates + 1].tolist()

    def __getitem__(self, n: int) -> NDArray[np.int64]:
        keys: NDArray[np.int64] = self._table[self._starts[n] : self._starts[n + 1]]
        return keys


def load_template_grams(
    index: TemplateIndex, key: str, cache_dir: Path | None = None
) -> TemplateGrams:
    """The table of ``index`` (compiled from the data whose fingerprint is ``key``),
    memory-mapped from the cache directory, else built and stored there first."""
    directory = cache_dir if cache_dir is not None else default_cache_dir()
    path = directory / f"matcher-grams-{key}.npy"
    count = len(index.templates)
    try:
        return TemplateGrams(np.load(path, mmap_mode="r"), count)
    except (OSError, ValueError):
        pass
    table = build_table(index)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        tmp = directory / f".matcher-grams-{key}.{os.getpid()}.tmp.npy"
        np.save(tmp, table)
        os.replace(tmp, path)
        for stale in directory.glob("matcher-grams-*.npy"):
            if stale != path:
                stale.unlink(missing_ok=True)
        return TemplateGrams(np.load(path, mmap_mode="r"), count)
    except (OSError, ValueError):
        return TemplateGrams(table, count)
