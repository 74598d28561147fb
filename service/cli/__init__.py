"""The ``copyfair`` command line: :func:`run` is the console script.

The commands are a click group (:mod:`service.cli.group`, re-exported here as ``main``,
``COMMANDS`` and ``load_command``), each in its own module. Before loading click,
:func:`run` offers a ``copyfair scan`` to :func:`service.cli.replay.try_replay`, which
prints the stored report of an unchanged tree: a warm rescan costs little more than
Python's own start and a walk of the tree. Exit codes: 0 success, 1 policy failure, 2
usage or input error.
"""

from __future__ import annotations

import sys
from typing import Any

_GROUP_NAMES = ("main", "COMMANDS", "load_command", "LazyGroup")


def run() -> int:
    """The ``copyfair`` console script."""
    args = sys.argv[1:]
    if args[:1] == ["scan"]:
        from service.cli.replay import try_replay

        code = try_replay(args[1:])
        if code is not None:
            return code
    from service.cli.group import main

    main()  # click exits with the command's status
    return 0


def __getattr__(name: str) -> Any:
    if name in _GROUP_NAMES:
        from service.cli import group

        return getattr(group, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
