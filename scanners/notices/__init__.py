"""Licence notices and references in prose, comments and docs (method NOTICE).

Public API (stable)::

    find_notices(text: str) -> list[Evidence]

Modules: :mod:`.text` cuts a text into blocks around licence keywords and normalises
them; :mod:`.table` loads the name/URL tables from ``scanners/data``; the recognisers are
:mod:`.gnu`, :mod:`.cc`, :mod:`.urls`, :mod:`.names`, :mod:`.metadata`,
:mod:`.references` and :mod:`.dedications`, each returning :class:`.hits.Hit` s;
:mod:`.find` puts them together (licences named in another role — "derived from",
"Change License:", "compatible with" — are dropped; one Evidence per licence per
notice); :mod:`.build_table` regenerates ``scanners/data/notice_catalog.json`` from
``licences/data``.
"""

from scanners.notices.find import find_notices

__all__ = ["find_notices"]
